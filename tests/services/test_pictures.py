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

from bot.core.bank_files import load_bank
from bot.core.picture_data import PictureDataError, PictureSpec, parse_pictures
from bot.core.scoring import PlayerResult, rank
from bot.services import pictures
from bot.services.pictures import Picture, PictureStore, bank_picture, podium
from bot.services.workers import WorkerPool

QUESTIONS = Path(__file__).resolve().parents[2] / "questions"


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
    return PictureStore(path)


async def test_drawn_once_per_content_even_when_asked_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = pictures.render

    async def counting(fn, spec: PictureSpec) -> bytes:  # type: ignore[no-untyped-def]
        calls.append(spec.id)
        return await real(fn, spec)

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
