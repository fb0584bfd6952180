"""An example file per upload format, for ``/questions template [format]``.

Each template parses with zero problems. Formats that cannot carry sources (Red-
DiscordBot, Open Trivia DB, GIFT) give drafts: a moderator adds sources before
publishing. The YAML, JSON and CSV templates show a Ukrainian translation on two items
and none on the true/false one, so moderators see both cases.
"""

from __future__ import annotations

import json

from bot.core.bank.items import parse_item
from bot.core.bank.uploads.export import export_items
from bot.core.bank.uploads.formats.csv_table import write_csv
from bot.core.bank.uploads.result import FORMATS

_WIKI = "https://en.wikipedia.org/wiki/"

_EXAMPLES: list[dict[str, object]] = [
    {
        "id": "example-dpr-proclaimed",
        "kind": "multiple_choice",
        "tags": ["example", "2014"],
        "difficulty": 2,
        "paragraph": 4,
        "text": "Example: on what date was the 'Donetsk People's Republic' proclaimed?",
        "choices": ["7 April 2014", "27 April 2014", "11 May 2014", "21 February 2022"],
        "answer": "7 April 2014",
        "explanation": "It was proclaimed on 7 April 2014, three weeks before the Luhansk one.",
        "sources": [
            {
                "title": "Donetsk People's Republic",
                "publisher": "Wikipedia",
                "url": _WIKI + "Donetsk_People%27s_Republic",
            }
        ],
        # The item's words in Ukrainian: the same choices in the same order; the answer,
        # difficulty and tags are the item's own.
        "translations": {
            "uk": {
                "text": "Приклад: якого дня проголосили «Донецьку народну республіку»?",
                "choices": [
                    "7 квітня 2014 року",
                    "27 квітня 2014 року",
                    "11 травня 2014 року",
                    "21 лютого 2022 року",
                ],
                "explanation": "Її проголосили 7 квітня 2014 року, на три тижні раніше "
                "за луганську.",
            }
        },
    },
    {
        "id": "example-raion-centre",
        "kind": "true_false",
        "tags": ["example", "geography"],
        "difficulty": 1,
        "paragraph": None,
        "text": "Example: Kupiansk is the administrative centre of Kupiansk Raion.",
        # A picture shown with the question: an https URL of a .png/.jpg/.gif/.webp file.
        "image": "https://example.org/pictures/kupiansk-raion-map.png",
        "answer": True,
        "explanation": "Kupiansk is the centre of Kupiansk Raion.",
        "sources": [
            {
                "title": "Kupiansk",
                "publisher": "Wikiwand (English Wikipedia)",
                "url": "https://wikiwand.com/en/articles/Kupiansk",
            }
        ],
    },
    {
        "id": "example-referendum-year",
        "kind": "short_answer",
        "tags": ["example", "independence"],
        "difficulty": 1,
        "paragraph": None,
        "text": "Example: in which year did Ukrainians confirm independence in a nationwide "
        "referendum held on 1 December?",
        "accepted": ["1991"],
        "explanation": "The referendum of 1 December 1991 confirmed the Act of Declaration "
        "of Independence of 24 August 1991.",
        "sources": [
            {
                "title": "1991 Ukrainian independence referendum",
                "publisher": "Wikipedia",
                "url": _WIKI + "1991_Ukrainian_independence_referendum",
            }
        ],
        "translations": {
            "uk": {
                "text": "Приклад: у якому році українці підтвердили незалежність на "
                "всеукраїнському референдумі 1 грудня?",
                "accepted": ["1991"],
                "explanation": "Референдум 1 грудня 1991 року підтвердив Акт проголошення "
                "незалежності України від 24 серпня 1991 року.",
                # Sources in Ukrainian are shown beside the item's own.
                "sources": [
                    {
                        "title": "Референдум за Незалежність України 1 грудня 1991 року",
                        "publisher": "Долинська міська рада",
                        "url": "https://rada-dolyna.gov.ua/node/2992",
                    }
                ],
            }
        },
    },
]

_WHICH_FIRST: dict[str, object] = {
    "id": "example-lisbon-vs-budapest",
    "kind": "which_first",
    "tags": ["example", "treaties"],
    "difficulty": 2,
    "paragraph": 5,
    "events": [
        {"text": "The Budapest Memorandum is signed", "date": "1994-12-05"},
        {"text": "The Lisbon Protocol is signed", "date": "1992-05-23"},
    ],
    "explanation": "The Lisbon Protocol (23 May 1992) came two and a half years before the "
    "Budapest Memorandum.",
    "sources": [
        {
            "title": "Memorandum on security assurances in connection with Ukraine's "
            "accession to the NPT (A/49/765)",
            "publisher": "United Nations",
            "url": "https://undocs.org/en/A/49/765",
        }
    ],
}

_YAML_NOTE = """\
# translations: an item's words in another language (uk: Ukrainian), under the same id.
# Give the same choices in the same order; the answer is the item's own. An item without
# a translation is played in English in a Ukrainian server, marked "(English only)".
"""

_REDBOT = """\
# A Red-DiscordBot trivia list: question -> accepted answers.
# AUTHOR, DESCRIPTION and CONFIG are read but not applied; imported items are drafts
# (no explanation, no source) until a moderator adds them.
AUTHOR: Your name
DESCRIPTION: Kupiansk and its region
Which river divides Kupiansk into a west bank and an east bank?:
- Oskil
- Oskil river
In which year did Ukrainians confirm independence in a nationwide referendum held on 1 December?:
- 1991
"""

_OPENTDB = {
    "response_code": 0,
    "results": [
        {
            "type": "multiple",
            "difficulty": "medium",
            "category": "History",
            "question": "On what date was the &#039;Donetsk People&#039;s Republic&#039; "
            "proclaimed?",
            "correct_answer": "7 April 2014",
            "incorrect_answers": ["27 April 2014", "11 May 2014", "21 February 2022"],
        },
        {
            "type": "boolean",
            "difficulty": "easy",
            "category": "Geography",
            "question": "Kupiansk is the administrative centre of Kupiansk Raion.",
            "correct_answer": "True",
            "incorrect_answers": ["False"],
        },
    ],
}

_GIFT = """\
// Moodle GIFT. Questions are separated by a blank line; ::title:: becomes the id.
// Imported items are drafts (GIFT has no sources) until a moderator adds them.
// A picture: write the question as [html] with <img src="https://...png">.
$CATEGORY: $course$/Kupiansk

::dpr-proclaimed:: Example: on what date was the 'Donetsk People's Republic' proclaimed? {
=7 April 2014#It was proclaimed on 7 April 2014, three weeks before the Luhansk one.
~27 April 2014
~11 May 2014
~21 February 2022
}

::raion-centre:: Example: Kupiansk is the administrative centre of Kupiansk Raion. {TRUE
####Kupiansk is the centre of Kupiansk Raion.}

::river:: Example: which river divides Kupiansk into a west bank and an east bank? {
=Oskil =Oskil river
####The Oskil, a left tributary of the Siverskyi Donets, runs through the city.}
"""

FILENAMES = {
    "yaml": "questions-template.yaml",
    "json": "questions-template.json",
    "csv": "questions-template.csv",
    "redbot": "trivia-template.yaml",
    "opentdb": "opentdb-template.json",
    "gift": "questions-template.gift",
}


def template(fmt: str) -> tuple[str, bytes]:
    """``(filename, content)`` of the example file for ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"no template for {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt in ("yaml", "json"):
        items = [parse_item(d) for d in [*_EXAMPLES, _WHICH_FIRST]]
        data = export_items(items, fmt, theme="my-questions")
        if fmt == "yaml":
            data = _YAML_NOTE.encode("utf-8") + data
    elif fmt == "csv":
        data = write_csv([parse_item(d) for d in _EXAMPLES]).encode("utf-8")
    elif fmt == "redbot":
        data = _REDBOT.encode("utf-8")
    elif fmt == "opentdb":
        data = (json.dumps(_OPENTDB, indent=2) + "\n").encode("utf-8")
    else:
        data = _GIFT.encode("utf-8")
    return FILENAMES[fmt], data


__all__ = ["FILENAMES", "template"]
