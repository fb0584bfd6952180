"""The one schema for a question-bank item (fact questions, claim checks, discussions).

Pure: no I/O and no discord import. The YAML loader (:mod:`bot.core.bank.bank_files`) and,
later, the upload feature both validate through these models.

Validation context (``model_validate(data, context={...})``) understood by the models:

``require_sources`` (default ``True``)
    When ``False`` an item may lack sources (``sources: []`` or no ``sources`` key, and a
    viewpoint may lack its ``source``). The upload feature uses this to accept such items
    as drafts; check :attr:`BaseItem.has_sources` before publishing one.
``require_review`` (default ``False``)
    When ``True`` (the shipped-bank check, :func:`bot.core.bank.bank_files.load_bank`) every
    item must carry a ``reviewed`` record, and every discussion prompt a two-sided read
    in its ``history`` (one reader briefed from each side, see ``READ_BRIEFS``).
    Moderators' uploads are parsed without it and need neither.
``require_languages`` (default ``False``)
    When ``True`` (the shipped-bank check) every item must carry a translation into
    every language of ``LANGUAGES``.
``essay_paragraphs`` (default: absent)
    A list of the essay's paragraphs (see :func:`essay_paragraphs`). When given, a claim
    check with ``quoted: true`` must quote its paragraph verbatim (modulo whitespace,
    quote marks, dashes and case; ``...``/``…`` and ``[...]`` mark omissions/insertions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.translate import _

# --------------------------------------------------------------------------- limits

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
BUTTON_LABEL_MAX = 80  # Discord button label
CHOICE_MAX = 76  # "A. " + label must fit a button
TEXT_MAX = 1000
EXPLANATION_MAX = 1024  # one embed field value
FIELD_VALUE_MAX = 1024
DISCUSSION_QUESTION_MAX = 256  # embed title
CLAIM_MAX = 300
CLAIM_QUOTE_MAX_WORDS = 30  # "a quote of at most about 25 words"
ACCEPTED_MAX = 100
# Red-DiscordBot "name any ..." questions legitimately carry dozens of answers.
ACCEPTED_COUNT_MAX = 100
IMAGE_MAX = 500
IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".gif", ".webp")
MAX_SENTENCES = 3

# "opinion" is for value judgements no source can settle; "unverifiable" for empirical
# claims (about what people felt, did or hoped) that no available source can check.
VERDICTS: tuple[str, ...] = (
    "accurate",
    "partly accurate",
    "inaccurate",
    "unverifiable",
    "opinion",
)
VERDICT_LABELS: tuple[str, ...] = tuple(v.capitalize() for v in VERDICTS)
TRUE_FALSE_LABELS: tuple[str, str] = ("True", "False")
DEFAULT_WHICH_FIRST_TEXT = "Which came first?"

QUESTION_KINDS: tuple[str, ...] = (
    "multiple_choice",
    "true_false",
    "short_answer",
    "which_first",
    "claim_check",
)
ALL_KINDS: tuple[str, ...] = (*QUESTION_KINDS, "discussion")

# Discord mention syntax that must never reach a message from bank content: @everyone and
# @here as words (not "help@here.org"), users <@1>/<@!1>, roles <@&1>, channels <#1>.
# Custom emoji <:name:1> cannot ping and are allowed.
MENTION_RE = re.compile(
    # Each branch starts with a literal ("@", "<") so the scan skips ahead quickly; the
    # lookbehind after "@" checks the character before it.
    r"@(?<![\w.+-]@)(?:everyone|here)(?![\w-])|<@[!&]?\d+>|<#\d+>",
    re.IGNORECASE,
)
_MENTION_RE = MENTION_RE


# --------------------------------------------------------------------------- text helpers

_QUOTE_TRANSLATION = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "\u00a0": " ",
    }
)
_WS_RE = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """Canonical form used for comparisons and hashes: NFKC, straight quotes and
    hyphens, collapsed whitespace, case-folded."""
    value = unicodedata.normalize("NFKC", value).translate(_QUOTE_TRANSLATION)
    return _WS_RE.sub(" ", value).strip().casefold()


_ABBREVIATION_WORDS = (
    r"[A-Z]|[A-Z]\.[A-Z]|Mr|Mrs|Ms|Dr|St|No|Nos|Art|Arts|vs|v|e\.g|i\.e|etc|cf|approx|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gen|Col|Lt|Sgt|Prof|p|pp|para|ed|eds"
)
_PUNCTUATION_RUN = r"[.!?…]+[\"”’')\]]*"
# One left-to-right scan: an abbreviation ("U.S.", "Art.") and the punctuation after it
# is consumed by the first branch, so only real sentence ends reach the ``end`` group.
# Linear in the text: checking each full stop against everything before it was
# quadratic (a 2 MiB upload of "A. A. A. ..." took 22 s to parse; issue 12).
_SENTENCE_SCAN = re.compile(
    rf"\b(?:{_ABBREVIATION_WORDS})\.[.!?…]*[\"”’')\]]*"
    rf"|(?P<end>{_PUNCTUATION_RUN}(?=\s+[\"“‘(\[]?[A-Z0-9]))"
)


def count_sentences(value: str) -> int:
    """Approximate sentence count (abbreviations such as "U.S." or "Art." do not end one)."""
    value = _WS_RE.sub(" ", value).strip()
    if not value:
        return 0
    ends = _SENTENCE_SCAN.findall(value)  # "" for each abbreviation, the text for an end
    return 1 + len(ends) - ends.count("")


def _check_no_mentions(value: str) -> str:
    match = _MENTION_RE.search(value)
    if match:
        raise ValueError(
            _("contains Discord mention syntax {mention}").format(mention=repr(match.group(0)))
        )
    return value


def _Text(max_length: int, min_length: int = 1) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_check_no_mentions),
    ]


def _reject_non_string(value: Any) -> Any:
    """Refuse YAML numbers/booleans where text is expected (e.g. an unquoted ``1991``)."""
    if isinstance(value, bool | int | float):
        raise ValueError(
            _("expected text, got {type} {value}; quote it").format(
                type=type(value).__name__, value=repr(value)
            )
        )
    return value


def _check_image(value: str) -> str:
    """An https URL of a picture (no fetch: the bot only shows what the URL points to)."""
    if not re.match(r"^https://[^\s/?#.][^\s/?#]*/\S*$", value, re.IGNORECASE) or not (
        value.lower().endswith(IMAGE_EXTENSIONS)
    ):
        raise ValueError(
            _("must be an https URL ending in {extensions}, got {value}").format(
                extensions=", ".join(IMAGE_EXTENSIONS), value=repr(value[:80])
            )
        )
    return value


def _Str(max_length: int, min_length: int = 1) -> Any:
    return Annotated[_Text(max_length, min_length), BeforeValidator(_reject_non_string)]


Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
TagSlug = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]
Difficulty = Annotated[int, Field(ge=1, le=3, strict=True)]
Paragraph = Annotated[int, Field(ge=1, le=6, strict=True)]


def _no_sentence_overflow(value: str | None) -> str | None:
    if value is not None and count_sentences(value) > MAX_SENTENCES:
        raise ValueError(
            _("must be 1-{most} sentences (found about {count})").format(
                most=MAX_SENTENCES, count=count_sentences(value)
            )
        )
    return value


ImageUrl = Annotated[_Str(IMAGE_MAX), AfterValidator(_check_image)]
Explanation = Annotated[_Str(EXPLANATION_MAX), AfterValidator(_no_sentence_overflow)]


def _require_sources(info: ValidationInfo) -> bool:
    ctx = info.context or {}
    return bool(ctx.get("require_sources", True))


# --------------------------------------------------------------------------- sources


class Source(BaseModel):
    """A citation: what, who published it, where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: _Str(256)
    publisher: _Str(200)
    url: _Str(512)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
            raise ValueError(_("must be an http(s) URL, got {value}").format(value=repr(value)))
        return value

    def render(self) -> str:
        """One line for an embed field: ``Title — Publisher <url>``."""
        return f"{self.title} — {self.publisher} <{self.url}>"


# --------------------------------------------------------------------------- review records

# The two briefs a shipped discussion prompt is read from before it ships: one reader
# briefed from each side notes whether they recognise their view (questions/README.md).
READ_BRIEFS: tuple[str, ...] = ("ukrainian-government", "russian-government")
HISTORY_MAX = 2000


def _iso_day(value: Any) -> Any:
    """Dates as written in YAML (kept as text by the loader): ``YYYY-MM-DD`` only."""
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(
                _("must be an ISO date YYYY-MM-DD, got {value}").format(value=repr(value))
            )
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(
                _("not a valid date: {value} ({reason})").format(value=repr(value), reason=exc)
            ) from None
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_day)]


class Review(BaseModel):
    """Who last read the item against its sources, and when. Never a made-up person:
    name the reader as they are (a named editor, or the session that did the read)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    by: _Str(200)
    date: IsoDate  # not "on": YAML 1.1 reads a bare `on:` key as the boolean true
    note: _Str(TEXT_MAX) | None = None


class HistoryEntry(BaseModel):
    """One recorded change or decision: a review finding fixed or answered, or a
    two-sided read of a discussion prompt (``brief`` names the side the reader was
    briefed from). ``finding`` cites the review finding, e.g. ``BANK_REVIEW 1.1``."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    date: IsoDate
    by: _Str(200)
    change: _Str(HISTORY_MAX)
    finding: _Str(100) | None = None
    brief: Literal["ukrainian-government", "russian-government"] | None = None


def _require_review(info: ValidationInfo) -> bool:
    return bool((info.context or {}).get("require_review", False))


# --------------------------------------------------------------------------- languages

# The language an item's own fields are written in, then the languages it may be
# translated into. Adding a language: add its code here, its interface catalog
# (locales/), and `translations: {code: ...}` to the items (README, "Languages").
BASE_LANGUAGE = "en"
LANGUAGES = ("en", "uk")
TranslationLanguage = Literal["uk"]


class ViewpointText(BaseModel):
    """A viewpoint's words in another language; its source is the item's own."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    label: _Str(BUTTON_LABEL_MAX)
    position: _Str(FIELD_VALUE_MAX)
    argument: _Str(FIELD_VALUE_MAX)
    evidence_against: _Str(FIELD_VALUE_MAX) | None = None
    held_by: _Str(300)


class Translation(BaseModel):
    """An item's texts in another language, under the same id.

    Only words are translated: the answer, verdict, difficulty, tags and order are
    the item's own, so both languages play the same question and share its stats.
    Lists (choices, events, viewpoints) have the item's length and order. ``sources``
    adds sources in that language beside the item's own (they are not replaced).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    text: _Str(TEXT_MAX) | None = None
    choices: list[_Str(CHOICE_MAX)] | None = None
    accepted: Annotated[list[_Str(ACCEPTED_MAX)], Field(min_length=1)] | None = None
    events: list[_Str(CHOICE_MAX)] | None = None
    claim: _Str(CLAIM_MAX) | None = None
    explanation: _Str(EXPLANATION_MAX) | None = None
    question: _Str(DISCUSSION_QUESTION_MAX) | None = None
    viewpoints: list[ViewpointText] | None = None
    sources: list[Source] = Field(default_factory=list)


_TRANSLATED = ("text", "choices", "accepted", "events", "claim", "explanation", "question")


def _check_translation(lang: str, translation: Translation, shape: dict[str, int | None]) -> None:
    """``shape``: the fields this kind of item needs translated, with the list length
    they must have (None: not a list, or any length)."""
    for name in (*_TRANSLATED, "viewpoints"):
        value = getattr(translation, name)
        if name not in shape:
            if value is not None:
                raise ValueError(
                    f"translations.{lang}.{name}: "
                    + _("this kind of item has no {name}").format(name=name)
                )
            continue
        if value is None:
            raise ValueError(f"translations.{lang}.{name}: " + _("missing (the item has one)"))
        want = shape[name]
        if want is not None and len(value) != want:
            raise ValueError(
                f"translations.{lang}.{name}: "
                + _("{given} given, the item has {want} (same number, same order)").format(
                    given=len(value), want=want
                )
            )
        if name in ("choices", "events"):  # a player must tell the buttons apart
            _check_distinct(f"translations.{lang}.{name}", value)


def _check_same_order(path: str, own: list[str], translated: list[str] | None) -> None:
    """A choice written the same in both languages (a year, a name) stands at the same
    place: the right answer is found by position, so a reordered translation would
    mark a wrong choice right."""
    where = {normalise_text(c): i for i, c in enumerate(own)}
    for i, choice in enumerate(translated or ()):
        other = where.get(normalise_text(choice))
        if other is not None and other != i:
            raise ValueError(
                f"{path}: "
                + _(
                    "{choice} is choice {other} in the item's own language but choice "
                    "{number} here; give the choices in the same order"
                ).format(choice=repr(choice), other=other + 1, number=i + 1)
            )


def _check_distinct(path: str, choices: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, choice in enumerate(choices):
        key = normalise_text(choice)
        if key in seen:
            raise ValueError(
                f"{path}: "
                + _("choice {number} repeats choice {other} ({choice})").format(
                    number=i + 1, other=seen[key] + 1, choice=repr(choice)
                )
            )
        seen[key] = i


# --------------------------------------------------------------------------- base item


class BaseItem(BaseModel):
    """Fields every bank item carries."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    kind: str
    id: Slug
    tags: Annotated[list[TagSlug], Field(min_length=1, max_length=6)]
    # The key must be present; null means "draws on no particular paragraph".
    paragraph: Paragraph | None
    sources: list[Source] = Field(default_factory=list, validate_default=True)
    as_of: dt.date | None = None
    # A picture shown with the item (issue 13): an https URL of a .png/.jpg/.gif/.webp.
    image: ImageUrl | None = None
    # Editorial record, not shown to players and not part of the content hash.
    reviewed: Review | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    # The same item in other languages (see Translation).
    translations: dict[TranslationLanguage, Translation] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.match(ID_PATTERN, value):
            raise ValueError(
                _(
                    "id {value} must be a slug: 3-64 chars of a-z, 0-9 and '-', "
                    "starting with a letter or digit"
                ).format(value=repr(value))
            )
        return value

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(_("tags must be distinct"))
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(
                _("must be an ISO date YYYY-MM-DD, got {value}").format(value=repr(value))
            )
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise ValueError(
                    _("not a valid date: {value} ({reason})").format(value=repr(value), reason=exc)
                ) from None
        return value

    @field_validator("sources")
    @classmethod
    def _sources_required(cls, value: list[Source], info: ValidationInfo) -> list[Source]:
        if not value and _require_sources(info):
            raise ValueError(_("at least one source {title, publisher, url} is required"))
        return value

    @model_validator(mode="after")
    def _as_of_for_ongoing(self) -> BaseItem:
        if "ongoing" in self.tags and self.as_of is None:
            raise ValueError("as_of: " + _("required because the item is tagged 'ongoing'"))
        return self

    @model_validator(mode="after")
    def _reviewed_when_shipped(self, info: ValidationInfo) -> BaseItem:
        if _require_review(info) and self.reviewed is None:
            raise ValueError(
                "reviewed: "
                + _("a shipped item needs a review record {by, date: YYYY-MM-DD, note}")
            )
        return self

    @model_validator(mode="after")
    def _translations_match(self, info: ValidationInfo) -> BaseItem:
        own_lists = {
            "choices": list(getattr(self, "choices", None) or ())
            if self.kind == "multiple_choice"
            else [],
            "events": [e.text for e in getattr(self, "events", None) or ()],
        }
        for lang, translation in self.translations.items():
            _check_translation(lang, translation, self.translation_shape())
            for name, own in own_lists.items():
                _check_same_order(f"translations.{lang}.{name}", own, getattr(translation, name))
        missing = [lang for lang in LANGUAGES[1:] if lang not in self.translations]
        if (info.context or {}).get("require_languages") and missing:  # the shipped bank
            raise ValueError(
                "translations: "
                + _("a shipped item needs every language; missing: {languages}").format(
                    languages=", ".join(missing)
                )
            )
        return self

    def translation_shape(self) -> dict[str, int | None]:
        """What a translation of this item must carry: field -> list length (or None)."""
        shape: dict[str, int | None] = {}
        for name in ("text", "explanation", "question", "claim"):
            if getattr(self, name, None):
                shape[name] = None
        if getattr(self, "choices", None) and self.kind == "multiple_choice":
            shape["choices"] = len(self.choices)  # type: ignore[attr-defined]
        if self.kind == "short_answer":
            shape["accepted"] = None
        if self.kind == "which_first":
            shape["events"] = len(self.events)  # type: ignore[attr-defined]
        if self.kind == "discussion":
            shape["viewpoints"] = len(self.viewpoints)  # type: ignore[attr-defined]
        return shape

    # -- helpers ------------------------------------------------------------------

    @property
    def has_sources(self) -> bool:
        return bool(self.sources)

    @property
    def is_question(self) -> bool:
        return self.kind in QUESTION_KINDS


def _hash(*parts: Any) -> str:
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class QuestionBase(BaseItem):
    """A question with one unambiguous answer: shared accessors for the database loader.

    Subclasses provide ``display_text``, ``choices``, ``correct_index`` and
    ``accepted_answers``.
    """

    difficulty: Difficulty
    explanation: Explanation

    def _hash_text(self) -> str:
        return self.display_text

    @property
    def own_answers(self) -> list[str]:
        """The answers in the item's own language (translations are not its content)."""
        return self.accepted_answers

    def content_hash(self) -> str:
        """sha256 hex of the normalised kind, text, choices and answer.

        Whitespace, case, quote-mark style and choice order do not change it.
        """
        choices = sorted(normalise_text(c) for c in self.choices)
        answers = sorted(normalise_text(a) for a in self.own_answers)
        return _hash(self.kind, normalise_text(self._hash_text()), choices, answers)


# --------------------------------------------------------------------------- question kinds


def _answer_one_choice(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        raise ValueError(
            _(
                "two choices are marked correct: answer must be the text of exactly one "
                "choice, not a list ({given} given)"
            ).format(given=len(value))
        )
    return value


class MultipleChoiceItem(QuestionBase):
    kind: Literal["multiple_choice"]
    text: _Str(TEXT_MAX)
    choices: Annotated[list[_Str(CHOICE_MAX)], Field(min_length=2, max_length=4)]
    answer: Annotated[_Str(CHOICE_MAX), BeforeValidator(_answer_one_choice)]

    @model_validator(mode="after")
    def _one_correct(self) -> MultipleChoiceItem:
        wanted = normalise_text(self.answer)
        matches = [i for i, c in enumerate(self.choices) if normalise_text(c) == wanted]
        if len(matches) > 1:
            numbers = _(" and ").join(str(i + 1) for i in matches)
            raise ValueError(
                "choices: "
                + _("two choices are marked correct (answer matches choices {numbers})").format(
                    numbers=numbers
                )
            )
        if not matches:
            raise ValueError(
                "answer: "
                + _("{answer} is not one of the choices").format(answer=repr(self.answer))
            )
        if self.choices[matches[0]] != self.answer:
            raise ValueError(
                "answer: "
                + _("must be the exact text of a choice ({choice})").format(
                    choice=repr(self.choices[matches[0]])
                )
            )
        seen: dict[str, int] = {}
        for i, choice in enumerate(self.choices):
            key = normalise_text(choice)
            if key in seen:
                raise ValueError(
                    "choices: "
                    + _("choice {number} repeats choice {other} ({choice})").format(
                        number=i + 1, other=seen[key] + 1, choice=repr(choice)
                    )
                )
            seen[key] = i
        return self

    @property
    def display_text(self) -> str:
        return self.text

    @property
    def correct_index(self) -> int:
        return self.choices.index(self.answer)

    @property
    def accepted_answers(self) -> list[str]:
        return [self.answer]


class TrueFalseItem(QuestionBase):
    kind: Literal["true_false"]
    text: _Str(TEXT_MAX)
    answer: Annotated[bool, Field(strict=True)]

    @field_validator("answer", mode="before")
    @classmethod
    def _bool_only(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            raise ValueError(_("two choices are marked correct: answer must be true or false"))
        if not isinstance(value, bool):
            raise ValueError(
                _("answer must be true or false, got {value}").format(value=repr(value))
            )
        return value

    @property
    def display_text(self) -> str:
        return self.text

    @property
    def choices(self) -> list[str]:
        return list(TRUE_FALSE_LABELS)

    @property
    def correct_index(self) -> int:
        return 0 if self.answer else 1

    @property
    def accepted_answers(self) -> list[str]:
        return [self.choices[self.correct_index]]


class ShortAnswerItem(QuestionBase):
    kind: Literal["short_answer"]
    text: _Str(TEXT_MAX)
    accepted: Annotated[
        list[_Str(ACCEPTED_MAX)], Field(min_length=1, max_length=ACCEPTED_COUNT_MAX)
    ]

    @field_validator("accepted")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        keys = [normalise_text(v) for v in value]
        if len(set(keys)) != len(keys):
            raise ValueError(_("accepted answers must be distinct"))
        return value

    @property
    def display_text(self) -> str:
        return self.text

    @property
    def choices(self) -> list[str]:
        return []

    @property
    def correct_index(self) -> None:
        return None

    @property
    def own_answers(self) -> list[str]:
        return list(self.accepted)

    @property
    def accepted_answers(self) -> list[str]:
        """The answers that count, in every language the item has (a learner may type
        Kupiansk or Куп'янськ): the item's own first, so the reveal shows one of them."""
        translated = [a for t in self.translations.values() for a in t.accepted or ()]
        return list(dict.fromkeys([*self.accepted, *translated]))


_YEAR_RE = re.compile(r"^\d{4}$")
_YEAR_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def event_date_range(value: str) -> tuple[dt.date, dt.date]:
    """The first and last day an event date ("2014", "2014-04" or "2014-04-07") covers."""
    if _YEAR_RE.match(value):
        year = int(value)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = _YEAR_MONTH_RE.match(value)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        first = dt.date(year, mon, 1)
        nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    day = dt.date.fromisoformat(value)
    return day, day


def _event_date(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError(_("must be an ISO date or a year, got {value}").format(value=repr(value)))
    if isinstance(value, int):
        value = f"{value:04d}"
    elif isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(_("must be an ISO date or a year, got {value}").format(value=repr(value)))
    value = value.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise ValueError(
            _("must be an ISO date (YYYY-MM-DD) or a year (YYYY), got {value}").format(
                value=repr(value)
            )
        )
    try:
        event_date_range(value)
    except ValueError as exc:
        raise ValueError(
            _("not a valid date: {value} ({reason})").format(value=repr(value), reason=exc)
        ) from None
    return value


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: _Str(CHOICE_MAX)
    date: Annotated[str, BeforeValidator(_event_date)]

    @property
    def date_range(self) -> tuple[dt.date, dt.date]:
        return event_date_range(self.date)


class WhichFirstItem(QuestionBase):
    kind: Literal["which_first"]
    text: _Str(TEXT_MAX) | None = None
    events: Annotated[list[Event], Field(min_length=2, max_length=2)]

    @model_validator(mode="after")
    def _orderable(self) -> WhichFirstItem:
        a, b = self.events
        if normalise_text(a.text) == normalise_text(b.text):
            raise ValueError("events: " + _("the two events have the same text"))
        if a.date == b.date:
            raise ValueError(
                "events: " + _("the two dates must differ (both {date})").format(date=a.date)
            )
        (a0, a1), (b0, b1) = a.date_range, b.date_range
        if not (a1 < b0 or b1 < a0):
            raise ValueError(
                "events: "
                + _("cannot tell which came first: {a} and {b} overlap; give full dates").format(
                    a=a.date, b=b.date
                )
            )
        return self

    @property
    def display_text(self) -> str:
        return self.text or DEFAULT_WHICH_FIRST_TEXT

    @property
    def choices(self) -> list[str]:
        return [e.text for e in self.events]

    @property
    def correct_index(self) -> int:
        a, b = self.events
        return 0 if a.date_range[1] < b.date_range[0] else 1

    @property
    def accepted_answers(self) -> list[str]:
        return [self.choices[self.correct_index]]


# -- claim checks ----------------------------------------------------------------------


def essay_paragraphs(essay_text: str) -> list[str]:
    """Split the essay into paragraphs, dropping the title: index 0 is paragraph 1."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", essay_text.strip()) if b.strip()]
    return blocks[1:] if len(blocks) > 1 else blocks


_ELLIPSIS_RE = re.compile(r"\.\.\.|…|\[[^\]]*\]")
_EDGE_PUNCT = " .,;:!?\"'"


def quote_in_paragraph(claim: str, paragraph: str) -> bool:
    """True if ``claim`` appears verbatim in ``paragraph``, modulo whitespace, quote
    marks, dashes and case. ``...``/``…`` mark omissions and ``[...]`` editorial
    insertions: the remaining fragments must appear in order."""
    haystack = normalise_text(paragraph)
    fragments = [normalise_text(f).strip(_EDGE_PUNCT) for f in _ELLIPSIS_RE.split(claim)]
    pos = 0
    found_any = False
    for fragment in fragments:
        if not fragment:
            continue
        at = haystack.find(fragment, pos)
        if at < 0:
            return False
        pos = at + len(fragment)
        found_any = True
    return found_any


class ClaimCheckItem(QuestionBase):
    kind: Literal["claim_check"]
    claim: _Str(CLAIM_MAX)
    quoted: Annotated[bool, Field(strict=True)]
    paragraph: Paragraph
    verdict: Literal["accurate", "partly accurate", "inaccurate", "unverifiable", "opinion"]
    text: _Str(TEXT_MAX) | None = None

    @model_validator(mode="after")
    def _quote_checks(self, info: ValidationInfo) -> ClaimCheckItem:
        if self.quoted:
            words = len(_ELLIPSIS_RE.sub(" ", self.claim).split())
            if words > CLAIM_QUOTE_MAX_WORDS:
                raise ValueError(
                    "claim: "
                    + _(
                        "a quote must be at most about 25 words ({words} words); "
                        "shorten it or paraphrase (quoted: false)"
                    ).format(words=words)
                )
            paragraphs = (info.context or {}).get("essay_paragraphs")
            if paragraphs is not None:
                if self.paragraph > len(paragraphs):
                    raise ValueError(
                        "paragraph: "
                        + _("the essay has only {count} paragraphs").format(count=len(paragraphs))
                    )
                if not quote_in_paragraph(self.claim, paragraphs[self.paragraph - 1]):
                    raise ValueError(
                        "claim: "
                        + _(
                            "quoted text not found in essay paragraph {paragraph}; "
                            "quote it verbatim or set quoted: false"
                        ).format(paragraph=self.paragraph)
                    )
        return self

    @property
    def display_text(self) -> str:
        if self.text:
            return self.text
        claim = self.claim.rstrip(" .")
        if self.quoted:
            return f"The essay says: “{claim}”. How does that hold up?"
        return f"In paraphrase, the essay says: {claim}. How does that hold up?"

    def _hash_text(self) -> str:
        return self.claim

    @property
    def choices(self) -> list[str]:
        return list(VERDICT_LABELS)

    @property
    def correct_index(self) -> int:
        return VERDICTS.index(self.verdict)

    @property
    def accepted_answers(self) -> list[str]:
        return [VERDICT_LABELS[self.correct_index]]


# --------------------------------------------------------------------------- discussions


class Viewpoint(BaseModel):
    """One side of a discussion, shown as an embed field: ``label`` is the field name,
    :meth:`render` the value (at most 1024 characters)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    label: _Str(BUTTON_LABEL_MAX)
    position: _Str(FIELD_VALUE_MAX)
    argument: _Str(FIELD_VALUE_MAX)
    # What the other sides cite against this view, so each side's claims meet their
    # strongest answer where the view is shown (optional; shown under the argument).
    evidence_against: _Str(FIELD_VALUE_MAX) | None = None
    held_by: _Str(300)
    source: Source | None = None

    @field_validator("position")
    @classmethod
    def _one_sentence(cls, value: str) -> str:
        if count_sentences(value) > 1:
            raise ValueError(_("must be one neutral sentence"))
        return value

    @model_validator(mode="after")
    def _source_and_size(self, info: ValidationInfo) -> Viewpoint:
        if self.source is None and _require_sources(info):
            raise ValueError("source: " + _("a source {title, publisher, url} is required"))
        size = len(self.render())
        if size > FIELD_VALUE_MAX:
            raise ValueError(
                _(
                    "position + argument + evidence_against + held_by + source render to "
                    "{size} characters; an embed field value holds at most {most}"
                ).format(size=size, most=FIELD_VALUE_MAX)
            )
        return self

    @property
    def argument_shown(self) -> str:
        """The argument as shown to players: with the evidence cited against it, if any."""
        if not self.evidence_against:
            return self.argument
        return f"{self.argument}\n**Evidence cited against:** {self.evidence_against}"

    def render(self) -> str:
        """The embed field value for this viewpoint."""
        lines = [
            self.position,
            f"**Strongest argument:** {self.argument_shown}",
            f"**Held by:** {self.held_by}",
        ]
        if self.source is not None:
            lines.append(f"**Source:** {self.source.render()}")
        return "\n".join(lines)


def _translated_viewpoint_sizes(item: DiscussionItem) -> None:
    """A translated viewpoint renders within one embed field, as the item's own must."""
    for lang, translation in item.translations.items():
        for i, (own, text) in enumerate(
            zip(item.viewpoints, translation.viewpoints or (), strict=False)
        ):
            shown = Viewpoint.model_construct(**{**own.__dict__, **text.model_dump()})
            size = len(shown.render())
            if size > FIELD_VALUE_MAX:
                raise ValueError(
                    f"translations.{lang}.viewpoints.{i}: "
                    + _(
                        "renders to {size} characters; an embed field value holds at most {most}"
                    ).format(size=size, most=FIELD_VALUE_MAX)
                )


class DiscussionItem(BaseItem):
    """An open, contested question with 2-4 attributed viewpoints; no correct answer."""

    kind: Literal["discussion"]
    question: _Str(DISCUSSION_QUESTION_MAX)
    viewpoints: Annotated[list[Viewpoint], Field(min_length=2, max_length=4)]
    difficulty: Difficulty | None = None
    explanation: Explanation | None = None  # optional context shown with the prompt

    @field_validator("question")
    @classmethod
    def _open_question(cls, value: str) -> str:
        if not value.endswith("?"):
            raise ValueError(_("must be a question (end with '?')"))
        return value

    @field_validator("viewpoints")
    @classmethod
    def _distinct_labels(cls, value: list[Viewpoint]) -> list[Viewpoint]:
        seen: set[str] = set()
        for vp in value:
            key = normalise_text(vp.label)
            if key in seen:
                raise ValueError(
                    _("viewpoint labels must be distinct ({label} repeats)").format(
                        label=repr(vp.label)
                    )
                )
            seen.add(key)
        return value

    @model_validator(mode="after")
    def _two_sided_read(self, info: ValidationInfo) -> DiscussionItem:
        if _require_review(info):
            briefs = {entry.brief for entry in self.history}
            missing = [b for b in READ_BRIEFS if b not in briefs]
            if missing:
                raise ValueError(
                    "history: "
                    + _(
                        "a shipped discussion needs a recorded read from each side's "
                        "brief (missing: {briefs})"
                    ).format(briefs=", ".join(missing))
                )
        return self

    @model_validator(mode="after")
    def _translated_sizes(self) -> DiscussionItem:
        _translated_viewpoint_sizes(self)
        return self

    @property
    def display_text(self) -> str:
        return self.question

    def content_hash(self) -> str:
        viewpoints = sorted(
            [normalise_text(v.label), normalise_text(v.position)] for v in self.viewpoints
        )
        return _hash(self.kind, normalise_text(self.question), viewpoints)


# --------------------------------------------------------------------------- unions


def _kind_of(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("kind")
    return getattr(value, "kind", None)


QuestionItem = Annotated[
    Annotated[MultipleChoiceItem, Tag("multiple_choice")]
    | Annotated[TrueFalseItem, Tag("true_false")]
    | Annotated[ShortAnswerItem, Tag("short_answer")]
    | Annotated[WhichFirstItem, Tag("which_first")]
    | Annotated[ClaimCheckItem, Tag("claim_check")],
    Discriminator(_kind_of),
]

BankItem = Annotated[
    Annotated[MultipleChoiceItem, Tag("multiple_choice")]
    | Annotated[TrueFalseItem, Tag("true_false")]
    | Annotated[ShortAnswerItem, Tag("short_answer")]
    | Annotated[WhichFirstItem, Tag("which_first")]
    | Annotated[ClaimCheckItem, Tag("claim_check")]
    | Annotated[DiscussionItem, Tag("discussion")],
    Discriminator(_kind_of),
]

BANK_ITEM_ADAPTER: TypeAdapter[BankItem] = TypeAdapter(BankItem)
QUESTION_ITEM_ADAPTER: TypeAdapter[QuestionItem] = TypeAdapter(QuestionItem)

QUESTION_CLASSES: tuple[type[QuestionBase], ...] = (
    MultipleChoiceItem,
    TrueFalseItem,
    ShortAnswerItem,
    WhichFirstItem,
    ClaimCheckItem,
)


def parse_item(
    data: Any,
    *,
    require_sources: bool = True,
    essay_paragraphs: list[str] | None = None,
    require_review: bool = False,
) -> BankItem:
    """Validate one raw item (a mapping) into a :data:`BankItem`.

    Raises :class:`pydantic.ValidationError`. ``require_sources=False`` is the lenient
    (draft) mode used by uploads.
    """
    context: dict[str, Any] = {
        "require_sources": require_sources,
        "require_review": require_review,
    }
    if essay_paragraphs is not None:
        context["essay_paragraphs"] = essay_paragraphs
    return BANK_ITEM_ADAPTER.validate_python(data, context=context)


def is_question(item: BaseItem) -> bool:
    return item.kind in QUESTION_KINDS


__all__ = [
    "ALL_KINDS",
    "BANK_ITEM_ADAPTER",
    "QUESTION_ITEM_ADAPTER",
    "QUESTION_KINDS",
    "READ_BRIEFS",
    "VERDICTS",
    "VERDICT_LABELS",
    "BankItem",
    "BaseItem",
    "ClaimCheckItem",
    "DiscussionItem",
    "Event",
    "HistoryEntry",
    "MultipleChoiceItem",
    "QuestionBase",
    "QuestionItem",
    "Review",
    "ShortAnswerItem",
    "Source",
    "TrueFalseItem",
    "Viewpoint",
    "WhichFirstItem",
    "count_sentences",
    "essay_paragraphs",
    "is_question",
    "normalise_text",
    "parse_item",
    "quote_in_paragraph",
]
