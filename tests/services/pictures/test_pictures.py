"""Pictures: the shipped data is the bank's own, every PNG opens and shows something,
drawing is cached by content, and the podium names the top three."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageStat

from bot.core.bank.bank_files import load_bank
from bot.core.pictures.picture_data import PictureDataError, PictureSpec, parse_pictures
from bot.core.quiz.scoring import PlayerResult, rank
from bot.services.pictures import pictures
from bot.services.pictures.pictures import Picture, PictureStore, bank_picture, podium
from bot.services.workers import WorkerPool

QUESTIONS = Path(__file__).resolve().parents[3] / "questions"


@pytest.fixture(scope="module")
def bank_text() -> str:
    """Every shipped item as text, to find the picture's figures, dates and URLs in."""
    loaded = load_bank(QUESTIONS)
    return "\n".join(
        json.dumps(i.model_dump(mode="json"), ensure_ascii=False) for i in loaded.items
    )


@pytest.fixture(scope="module")
def bank_ids() -> set[str]:
    return {i.id for i in load_bank(QUESTIONS).items}


@pytest.fixture(scope="module")
def drawn() -> dict[str, Picture]:
    store = PictureStore()

    async def draw_all() -> dict[str, Picture]:
        return {s.id: await store.draw(s) for s in store.book().pictures}

    return asyncio.run(draw_all())


def assert_real_png(png: bytes, *, min_height: int = 250) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    width, height = image.size
    assert 900 <= width <= 1100, image.size  # readable in Discord without zooming
    assert min_height <= height <= 2200, image.size
    # Not blank: a white page with nothing drawn has no variance.
    stddev = ImageStat.Stat(image.convert("L")).stddev[0]
    assert stddev > 8, f"picture looks blank (stddev {stddev:.1f})"
    inked = sum(image.convert("L").point(lambda v: 255 if v < 200 else 0).histogram()[255:])
    assert inked > 0.005 * width * height, "almost nothing drawn"
    return image


def test_shipped_pictures_show_items_the_bank_has(bank_ids: set[str]) -> None:
    book = pictures.store().book()
    assert {p.kind for p in book.pictures} == {"timeline", "bars"}
    for picture in book.pictures:
        missing = set(picture.items) - bank_ids
        assert not missing, f"{picture.id} shows unknown items {sorted(missing)}"


def test_shipped_figures_dates_and_sources_come_from_the_bank(bank_text: str) -> None:
    """Nothing invented: every URL, figure and dated event is one the bank already states."""
    for picture in pictures.store().book().pictures:
        for source in picture.sources:
            assert str(source.url).rstrip("/") in bank_text, (picture.id, source.url)
        for point in picture.points:
            value = point.value
            text = f"{value:,.0f}" if value.is_integer() else f"{value:g}"
            assert re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d]|,\d)", bank_text), (
                picture.id,
                point.label,
                text,
            )
        for event in picture.events:
            long_date = f"{event.date.day} {event.date:%B %Y}"
            assert (
                long_date in bank_text
                or event.date.isoformat() in bank_text
                or (event.shown and event.shown in bank_text)
            ), (picture.id, event.label, long_date)


async def test_each_bank_picture_is_a_real_png_with_its_source(drawn: dict[str, Picture]) -> None:
    book = pictures.store().book()
    assert set(drawn) == {p.id for p in book.pictures}
    for spec in book.pictures:
        picture = drawn[spec.id]
        assert picture.filename == f"{spec.id}.png"
        assert_real_png(picture.png)
        assert picture.alt.startswith(spec.title) and len(picture.alt) <= 1000
        assert picture.source is not None
        for source in spec.sources:
            assert str(source.url) in picture.source


async def test_bank_picture_by_item_slug() -> None:
    timeline = await bank_picture("occ-city-council")
    assert timeline is not None and timeline.filename == "control-timeline.png"
    assert "10 Sep 2022: Ukrainian troops photographed at the city council" in timeline.alt
    polls = await bank_picture("cc-heavily-pro-russian")
    assert polls is not None and polls.filename == "kiis-attitude-2022.png"
    assert "none measured Kupiansk on its own" in polls.alt
    assert await bank_picture("treaty-lisbon-year") is None  # no picture for this one
    assert await bank_picture("no-such-item") is None


def _spec(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "test-bars",
        "kind": "bars",
        "title": "Test figures",
        "items": ["place-pop-1989"],
        "sources": [{"title": "A", "publisher": "B", "url": "https://example.org/a"}],
        "points": [{"label": "one", "value": 3}, {"label": "two", "value": 5, "source": 1}],
    }
    data.update(changes)
    return data


def _store(tmp_path: Path, *specs: dict[str, object]) -> PictureStore:
    path = tmp_path / "pictures.yaml"
    path.write_text(yaml.safe_dump({"pictures": list(specs)}), encoding="utf-8")
    return PictureStore(path, require_languages=False)


async def test_drawn_once_per_content_even_when_asked_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = pictures.render

    async def counting(fn, spec: PictureSpec, language: str) -> bytes:  # type: ignore[no-untyped-def]
        calls.append(spec.id)
        return await real(fn, spec, language)

    monkeypatch.setattr(pictures, "render", counting)
    store = _store(tmp_path, _spec())
    first, second = await asyncio.gather(
        store.for_item("place-pop-1989"), store.for_item("place-pop-1989")
    )
    assert first is second is not None
    assert await store.for_item("place-pop-1989") is first
    assert calls == ["test-bars"]

    # Changed data is a new hash: drawn again, with the new figure in the alt text.
    changed = _store(tmp_path, _spec(points=[{"label": "one", "value": 7}]))
    changed._drawn = store._drawn  # the same cache, as after editing the file
    again = await changed.for_item("place-pop-1989")
    assert again is not None and again is not first and "one: 7" in again.alt
    assert calls == ["test-bars", "test-bars"]


def test_bad_pictures_file_is_refused_with_reasons() -> None:
    with pytest.raises(PictureDataError, match="source 2 is not listed"):
        parse_pictures({"pictures": [_spec(points=[{"label": "x", "value": 1, "source": 2}])]})
    with pytest.raises(PictureDataError, match="a bar picture needs points"):
        parse_pictures({"pictures": [_spec(points=[])]})
    with pytest.raises(PictureDataError, match="shown by both"):
        parse_pictures({"pictures": [_spec(), _spec(id="other")]})
    with pytest.raises(PictureDataError, match="url"):
        parse_pictures(
            {"pictures": [_spec(sources=[{"title": "A", "publisher": "B", "url": "x"}])]}
        )


def _ranking(*points: int):  # type: ignore[no-untyped-def]
    return rank(
        [PlayerResult(1000 + i, p, i % 4, 4, 1000 * (i + 1), 0) for i, p in enumerate(points)]
    )


async def test_podium_shows_the_top_three_in_order() -> None:
    names = {1000: "Olena", 1001: "Петро $x^2$", 1002: "iryna 🎉", 1003: "fourth"}
    picture = await podium(_ranking(2350, 1800, 900, 100), names)
    assert picture.filename == "podium.png" and picture.source is None
    assert_real_png(picture.png, min_height=300)
    assert picture.alt == (
        "Podium: 1. Olena, 2,350 points, 0 of 4 right; 2. Петро $x^2$, 1,800 points, "
        "1 of 4 right; 3. iryna 🎉, 900 points, 2 of 4 right."
    )
    assert "fourth" not in picture.alt


async def test_podium_with_one_player_a_tie_and_nobody() -> None:
    alone = await podium(_ranking(500), {})
    assert_real_png(alone.png, min_height=300)
    assert alone.alt == "Podium: 1. member …1000, 500 points, 0 of 4 right."  # left the server

    tie = rank([PlayerResult(1, 800, 2, 2, 5000, 2), PlayerResult(2, 800, 2, 2, 5000, 2)])
    tied = await podium(tie, {1: "A", 2: "B"})
    assert tied.alt.startswith("Podium: 1. A, 800 points") and "; 1. B, 800 points" in tied.alt

    nobody = await podium([], {})
    assert_real_png(nobody.png, min_height=300)
    assert nobody.alt == "Podium: nobody answered this time."


async def test_drawn_in_a_thread_where_no_process_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_process = WorkerPool("drawing")
    no_process.use_threads = True  # as when starting a process failed
    monkeypatch.setattr(pictures, "DRAWING", no_process)
    picture = await _store(tmp_path, _spec()).for_item("place-pop-1989")
    assert picture is not None
    assert_real_png(picture.png)


# ----------------------------------------------------------------------------- languages


@pytest.fixture(scope="module")
def drawn_uk() -> dict[str, Picture]:
    store = PictureStore()

    async def draw_all() -> dict[str, Picture]:
        return {s.id: await store.draw(s, "uk") for s in store.book().pictures}

    return asyncio.run(draw_all())


CYRILLIC = re.compile("[а-яієїґ]", re.IGNORECASE)


def test_every_shipped_picture_renders_in_ukrainian_within_limits(
    drawn: dict[str, Picture], drawn_uk: dict[str, Picture]
) -> None:
    for spec in pictures.store().book().pictures:
        uk, en = drawn_uk[spec.id], drawn[spec.id]
        assert_real_png(uk.png)
        assert uk.png != en.png, spec.id  # drawn anew in Ukrainian, not the English one
        assert uk.filename == en.filename == f"{spec.id}.png"
        title = spec.in_language("uk").title
        assert title != spec.title and CYRILLIC.search(title), spec.id
        assert uk.alt.startswith(f"{title}. ") and len(uk.alt) <= 1024, spec.id
        assert spec.title not in uk.alt
        assert uk.source is not None and uk.source.startswith(("Джерело: ", "Джерела: "))
        for source in spec.sources:  # titles as published, shared by both languages
            assert f"{source.title} ({source.publisher}, {source.url})" in uk.source


def test_the_drawing_font_has_every_ukrainian_character() -> None:
    """The picture's own words in Ukrainian and the drawn interface words (a missing glyph
    draws as an empty box, with a warning the drawing silences for display names)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from bot import i18n
    from bot.services.pictures.picture_drawing import amount_text, date_text, points_text

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    assert "DejaVu" in font.family_name
    have = set(font.get_charmap())
    texts = []
    for spec in pictures.store().book().pictures:
        uk = spec.in_language("uk")
        texts += [uk.title, uk.note or "", *(e.label for e in uk.events)]
        texts += [e.shown or "" for e in uk.events] + [s.label for s in uk.spans]
        texts += [p.label for p in uk.points] + [p.group or "" for p in uk.points]
        with i18n.use("uk"):
            texts += [amount_text(p, uk.unit) for p in uk.points]
            texts += [date_text(e.date) for e in uk.events] + [points_text(2351)]
            texts += [i18n._("The podium"), i18n._("Nobody answered this time.")]
    missing = {ch for text in texts for ch in text if ord(ch) not in have and ch.strip()}
    assert not missing, sorted(missing)


def test_amounts_are_worded_with_ukrainian_plurals() -> None:
    from bot import i18n
    from bot.core.pictures.picture_data import BarPoint
    from bot.services.pictures.picture_drawing import amount_text

    def worded(value: float, unit: str | None, qualifier: str | None = None) -> str:
        with i18n.use("uk"):
            return amount_text(BarPoint(label="x", value=value, qualifier=qualifier), unit)

    assert worded(11000, "people", "about") == "близько 11\xa0000 осіб"
    assert worded(4000, "people", "almost") == "майже 4\xa0000 осіб"
    assert worded(1, "votes") == "1 голос"
    assert worded(143, "votes") == "143 голоси"
    assert worded(35, "votes") == "35 голосів"
    assert worded(11, "votes") == "11 голосів"
    assert worded(8.4, "%") == "8,4%"
    with i18n.use("en"):
        assert amount_text(BarPoint(label="x", value=11000, qualifier="about"), "people") == (
            "about 11,000 people"
        )


async def test_podium_in_ukrainian_with_plural_forms() -> None:
    names = {1000: "Олена", 1001: "Петро", 1002: "Ірина"}
    picture = await podium(_ranking(2351, 1802, 905), names, language="uk")
    assert_real_png(picture.png, min_height=300)
    assert picture.alt == (
        "П'єдестал: 1. Олена, 2\xa0351 бал, 0 з 4 правильно; 2. Петро, 1\xa0802 бали, "
        "1 з 4 правильно; 3. Ірина, 905 балів, 2 з 4 правильно."
    )
    english = await podium(_ranking(2351), {}, language="en")
    assert english.alt == "Podium: 1. member …1000, 2,351 points, 0 of 4 right."
    nobody = await podium([], {}, language="uk")
    assert nobody.alt == "П'єдестал: цього разу ніхто не відповів."


async def test_drawn_once_per_content_and_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = pictures.render

    async def counting(fn, spec: PictureSpec, language: str) -> bytes:  # type: ignore[no-untyped-def]
        calls.append((spec.id, language))
        return await real(fn, spec, language)

    monkeypatch.setattr(pictures, "render", counting)
    store = _store(
        tmp_path, _spec(translations={"uk": {"title": "Тест", "points": ["один", "два"]}})
    )
    en = await store.for_item("place-pop-1989", "en")
    uk = await store.for_item("place-pop-1989", "uk")
    assert en is not None and uk is not None and en.png != uk.png
    assert uk.alt == "Тест. один: 3; два: 5." and en.alt == "Test figures. one: 3; two: 5."
    assert await store.for_item("place-pop-1989", "uk") is uk
    assert calls == [("test-bars", "en"), ("test-bars", "uk")]


def test_translations_must_match_the_picture_and_cover_every_language() -> None:
    whole = {"title": "Тест", "points": ["один", "два"]}
    assert parse_pictures({"pictures": [_spec(translations={"uk": whole})]}, require_languages=True)
    with pytest.raises(PictureDataError, match="needs every language; missing: uk"):
        parse_pictures({"pictures": [_spec()]}, require_languages=True)
    with pytest.raises(PictureDataError, match="points: 1 given, the picture has 2"):
        parse_pictures({"pictures": [_spec(translations={"uk": {**whole, "points": ["один"]}})]})
    with pytest.raises(PictureDataError, match="note: given exactly when"):
        parse_pictures({"pictures": [_spec(translations={"uk": {**whole, "note": "Примітка"}})]})
    grouped = _spec(
        points=[
            {"label": "a", "value": 1, "group": "for"},
            {"label": "b", "value": 2, "group": "for"},
        ]
    )
    with pytest.raises(PictureDataError, match="'for' is translated two ways"):
        parse_pictures(
            {
                "pictures": [
                    {
                        **grouped,
                        "translations": {
                            "uk": {
                                "title": "Т",
                                "points": [
                                    {"label": "а", "group": "за"},
                                    {"label": "б", "group": "за!"},
                                ],
                            }
                        },
                    }
                ]
            }
        )
    with pytest.raises(PictureDataError, match="group: given exactly when"):
        parse_pictures({"pictures": [{**grouped, "translations": {"uk": whole}}]})
