"""CSV uploads carry an item's words in other languages (issue 14): ``uk_`` columns read
into ``translations``, checked by the one schema, reported by line and column, and
written back by the exporter."""

from __future__ import annotations

import csv
import io

import pytest

from bot import i18n
from bot.core.bank.items import BASE_LANGUAGE, LANGUAGES
from bot.core.bank.uploads import UploadParse, parse_upload
from bot.core.bank.uploads.export import export_items
from bot.core.bank.uploads.formats.csv_table import COLUMNS, column_of, translation_columns
from bot.core.bank.uploads.result import PLACEHOLDER_EXPLANATION
from bot.core.bank.uploads.templates import template

HEAD = (
    "id,kind,text,choices,answer,accepted,explanation,tags,"
    "uk_text,uk_choices,uk_accepted,uk_explanation"
)
BILINGUAL = (
    f"{HEAD}\n"
    "csv-river,multiple_choice,Which river runs through Kupiansk?,Oskil|Dnipro|Donets,Dnipro,,"
    "It is not the Dnipro.,geo,Яка річка тече через Купʼянськ?,Оскіл|Дніпро|Донець,,"
    "Це не Дніпро.\n"
    "csv-raion,true_false,Kupiansk is a raion centre.,,true,,It is.,geo,"
    "Купʼянськ — районний центр.,,,Так.\n"
    "csv-year,short_answer,In which year was the referendum?,,,1991,It was 1991.,geo,"
    "У якому році відбувся референдум?,,1991|тисяча девʼятсот дев'яносто першому,Це 1991 рік.\n"
    "csv-english,true_false,Kupiansk stands on the Oskil.,,true,,It does.,geo,,,,\n"
)


def parse(text: str) -> UploadParse:
    return parse_upload(text.encode(), "bilingual.csv")


def problems(text: str) -> list[str]:
    return [str(p) for p in parse(text).problems]


def test_every_other_language_has_its_columns() -> None:
    others = [lang for lang in LANGUAGES if lang != BASE_LANGUAGE]
    assert others
    for lang in others:
        assert set(translation_columns(lang)) <= set(COLUMNS)
        assert f"{lang}_text" in COLUMNS and f"{lang}_choices" in COLUMNS
    assert translation_columns("pl")[0] == "pl_text"  # a new language: columns by its code


def test_a_bilingual_csv_reads_each_row_in_both_languages() -> None:
    result = parse(BILINGUAL)
    assert result.problems == [], [str(p) for p in result.problems]
    items = {p.item.id: p.item for p in result.items}
    river = items["csv-river"]
    uk = river.translations["uk"]
    assert uk.text == "Яка річка тече через Купʼянськ?"
    assert uk.choices == ["Оскіл", "Дніпро", "Донець"]  # the answer is at the same place
    assert river.correct_index == 1 and uk.choices[river.correct_index] == "Дніпро"
    assert items["csv-raion"].translations["uk"].text == "Купʼянськ — районний центр."
    year = items["csv-year"]
    assert year.translations["uk"].accepted == ["1991", "тисяча девʼятсот дев'яносто першому"]
    assert "тисяча девʼятсот дев'яносто першому" in year.accepted_answers
    assert items["csv-english"].translations == {}  # blank uk cells: English only
    assert all(p.draft_reasons == ["no source"] for p in result.items)  # nothing else
    assert "translations" not in result.keeps  # the file says what each item has


def test_a_csv_without_translation_columns_leaves_translations_as_they_are() -> None:
    result = parse("text,accepted,explanation\nWhich river?,Oskil,The Oskil.\n")
    assert result.problems == []
    assert "translations" in result.keeps


def test_a_row_without_any_explanation_is_a_draft_in_both_languages() -> None:
    result = parse("text,accepted,uk_text,uk_accepted\nWhich river?,Oskil,Яка річка?,Оскіл\n")
    assert result.problems == []
    (parsed,) = result.items
    assert parsed.is_draft
    assert parsed.item.translations["uk"].explanation == PLACEHOLDER_EXPLANATION


@pytest.mark.parametrize(
    ("row", "wanted"),
    [
        (
            "q-one,multiple_choice,Which?,A|B|C,A,,Because.,geo,Котра?,А|Б,,Бо.",
            "line 2, item q-one: uk_choices: 2 given, the item has 3 (same number, same order)",
        ),
        (
            "q-two,multiple_choice,Which?,A|B,A,,Because.,geo,Котра?,А|а,,Бо.",
            "line 2, item q-two: uk_choices: choice 2 repeats choice 1 ('а')",
        ),
        (
            "q-order,multiple_choice,In which year?,1991|1990|Never,1991,,Because.,geo,"
            "У якому році?,Ніколи|1991|1990,,Бо.",
            "line 2, item q-order: uk_choices: '1991' is choice 1 in the item's own language "
            "but choice 2 here; give the choices in the same order",
        ),
        (
            "q-three,true_false,Is it?,,true,,Because.,geo,Чи так?,Так|Ні,,Бо.",
            "line 2, item q-three: uk_choices: this kind of item has no choices",
        ),
        (
            "q-four,true_false,Is it?,,true,,Because.,geo,Чи так?,,,",
            "line 2, item q-four: uk_explanation: missing (the item has one)",
        ),
        (
            "q-five,short_answer,Who?,,,Olena,Because.,geo,,,Олена,Бо.",
            "line 2, item q-five: uk_text: missing (the item has one)",
        ),
        (
            "q-six,short_answer,Who?,,,Olena,Because.,geo,Хто?,,,Бо.",
            "line 2, item q-six: uk_accepted: missing (the item has one)",
        ),
        (
            "q-seven,true_false,Is it?,,true,,Because.,geo,Чи так @everyone?,,,Бо.",
            "line 2, item q-seven: uk_text: contains Discord mention syntax '@everyone'",
        ),
    ],
)
def test_a_translation_that_does_not_fit_names_its_line_and_column(row: str, wanted: str) -> None:
    found = problems(f"{HEAD}\n{row}\n")
    assert found and found[0].startswith(wanted), found


def test_translated_sources_must_list_as_many_titles_as_urls() -> None:
    found = problems(
        "text,accepted,explanation,uk_text,uk_accepted,uk_explanation,uk_source_title,uk_source_url\n"
        "Who?,Olena,Because.,Хто?,Олена,Бо.,Назва|Друга,https://example.org/\n"
    )
    assert found == [
        "line 2, item up-"
        + found[0].split("up-")[1].split(":")[0]
        + ": uk_sources: uk_source_title, uk_source_publisher and uk_source_url must list "
        "the same number of sources (2, 0, 1)"
    ]


def test_a_uk_answer_column_is_refused_with_what_to_write_instead() -> None:
    (problem,) = parse("text,choices,answer,uk_choices,uk_answer\nWhich?,A|B,A,А|Б,А\n").problems
    assert problem.location == "line 1"
    assert "given once, in the 'answer' column" in problem.message
    assert "'uk_choices' in the same order" in problem.message


def test_the_problems_read_in_ukrainian_with_the_columns_as_written() -> None:
    row = "q-one,multiple_choice,Which?,A|B|C,A,,Because.,geo,Котра?,А|Б,,Бо."
    with i18n.use("uk"):
        (found,) = [str(p) for p in parse(f"{HEAD}\n{row}\n").problems]
        (refused,) = [str(p) for p in parse("text,uk_answer\nx,y\n").problems]
    assert found.startswith("рядок 2, запис q-one: uk_choices: ")
    assert "given" not in found and "the item" not in found
    assert refused.startswith("рядок 1: ") and "uk_answer" in refused and "given" not in refused


def test_column_of_names_translation_fields_by_column() -> None:
    assert column_of("translations.uk.choices[1]") == "uk_choices[1]"
    assert column_of("translations.uk.sources[0].url") == "uk_source_url[0]"
    assert column_of("translations.uk") == "uk_*"
    assert column_of("choices[1]") == "choices[1]"


def test_an_export_writes_the_translations_and_reads_them_back() -> None:
    result = parse(BILINGUAL)
    items = [p.item for p in result.items]
    data = export_items(items, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert rows[0]["uk_choices"] == "Оскіл|Дніпро|Донець"
    assert rows[3]["uk_text"] == ""
    assert [p.item for p in parse_upload(data, "again.csv").items] == items


def test_a_translated_formula_is_neutralised_and_restored() -> None:
    text = f"{HEAD}\nq-f,true_false,Is it?,,true,,Because.,geo,-5 градусів?,,,=Бо.\n"
    (parsed,) = parse(text).items
    data = export_items([parsed.item], "csv").decode()
    row = next(csv.DictReader(io.StringIO(data)))
    assert row["uk_text"] == "'-5 градусів?" and row["uk_explanation"] == "'=Бо."
    assert parse_upload(data.encode(), "f.csv").items[0].item == parsed.item


def test_the_csv_template_shows_a_translation_in_ukrainian() -> None:
    name, data = template("csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    translated = [r for r in rows if r["uk_text"]]
    assert translated and any(not r["uk_text"] for r in rows)  # both cases shown
    assert all("Приклад" in r["uk_text"] for r in translated)
    items = parse_upload(data, name).items
    assert any(p.item.translations.get("uk") for p in items)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_yaml_and_json_templates_show_a_translation(fmt: str) -> None:
    name, data = template(fmt)
    assert "translations" in data.decode() and "Приклад" in data.decode()
    items = [p.item for p in parse_upload(data, name).items]
    assert any(i.translations.get("uk") for i in items)
    assert any(not i.translations for i in items)
