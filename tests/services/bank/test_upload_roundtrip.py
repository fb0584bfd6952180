"""Property (issue 16): a random valid bank, exported and imported into another server,
gives the same items, statuses, texts and translations (issue 14: CSV carries them too),
on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bank.items import BaseItem, parse_item
from bot.core.bank.uploads.export import export_items, exportable
from bot.services.bank.uploads import UploadService

MOD = 7
_guilds = itertools.count(92_000_000_000_000_000)
WORDS = ["Kupiansk", "Oskil", "bridge", "station", "market", "river", "school", "Kharkiv"]
SOURCE = {"title": "Kupiansk", "publisher": "Wikipedia", "url": "https://en.wikipedia.org/wiki/K"}


@st.composite
def bank_item(draw: st.DrawFn, n: int) -> tuple[dict[str, Any], str]:
    """One valid item (numbered ``n`` so texts differ) and the status it should have."""
    kind = draw(st.sampled_from(["multiple_choice", "true_false", "short_answer", "which_first"]))
    words = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)))
    data: dict[str, Any] = {
        "id": f"rt-{n:03d}-{draw(st.sampled_from(['a', 'b', 'c']))}",
        "kind": kind,
        "tags": draw(
            st.lists(
                st.sampled_from(["geo", "history", "town"]), min_size=1, max_size=3, unique=True
            )
        ),
        "difficulty": draw(st.integers(1, 3)),
        "paragraph": draw(st.none() | st.integers(1, 6)),
        "explanation": draw(st.sampled_from(["It is so.", "The record says so. It was 1994."])),
    }
    if draw(st.booleans()):
        data["sources"] = [SOURCE]
    if draw(st.booleans()):
        data["image"] = f"https://example.org/p/{n}.{draw(st.sampled_from(['png', 'webp']))}"
    text = f"Question {n} about {words}?"
    if kind == "multiple_choice":
        choices = [f"Choice {n}{c}" for c in "abcd"[: draw(st.integers(2, 4))]]
        data.update(text=text, choices=choices, answer=draw(st.sampled_from(choices)))
    elif kind == "true_false":
        data.update(text=text, answer=draw(st.booleans()))
    elif kind == "short_answer":
        data.update(text=text, accepted=[f"{words} {n}", f"answer {n}"][: draw(st.integers(1, 2))])
    else:
        data.update(
            text=text,
            events=[
                {"text": f"Event {n} one", "date": f"{1900 + n}-01-01"},
                {"text": f"Event {n} two", "date": f"{1950 + n}-06-30"},
            ],
        )
    if draw(st.booleans()):  # one or both languages (issue 14)
        data["translations"] = {"uk": draw(translation(data, n))}
    wanted = draw(st.sampled_from(["active", "active", "draft", "disabled"]))
    return data, wanted


UK_WORDS = ["Купʼянськ", "Оскіл", "міст", "вокзал", "ринок", "річка", "-школа", "=Харків"]
UK_SOURCE = {
    "title": "Купʼянськ | місто",
    "publisher": "Вікіпедія",
    "url": "https://uk.wikipedia.org/wiki/K",
}


@st.composite
def translation(draw: st.DrawFn, data: dict[str, Any], n: int) -> dict[str, Any]:
    """The item's words in Ukrainian: what its kind needs, the same choices in order
    (cells a spreadsheet would take for a formula and ``|`` included)."""
    words = " ".join(draw(st.lists(st.sampled_from(UK_WORDS), min_size=1, max_size=4)))
    uk: dict[str, Any] = {
        "text": f"Питання {n} про {words}?",
        "explanation": draw(st.sampled_from(["Так і є.", "Так свідчать записи. Це був 1994 рік."])),
    }
    if data["kind"] == "multiple_choice":
        uk["choices"] = [f"Варіант {n}{c}" for c in "абвг"[: len(data["choices"])]]
    elif data["kind"] == "short_answer":
        uk["accepted"] = [f"{words} {n}"]
    elif data["kind"] == "which_first":
        uk["events"] = [f"Подія {n} перша", f"Подія {n} друга"]
    if draw(st.booleans()):
        uk["sources"] = [UK_SOURCE]
    return uk


@st.composite
def bank(draw: st.DrawFn) -> list[tuple[dict[str, Any], str]]:
    size = draw(st.integers(1, 8))
    return [draw(bank_item(n)) for n in range(size)]


async def own_items(uploads: UploadService, guild: int) -> tuple[list[BaseItem], dict[str, str]]:
    items, statuses = await uploads.export_records(guild)
    return sorted(items, key=lambda i: i.id), statuses


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=bank(), fmt=st.sampled_from(["yaml", "json", "csv"]))
async def test_export_then_import_elsewhere_gives_the_same_bank(
    sessions,  # type: ignore[no-untyped-def]
    entries: list[tuple[dict[str, Any], str]],
    fmt: str,
) -> None:
    uploads = UploadService(sessions)
    source, target = next(_guilds), next(_guilds)
    items = [parse_item(data, require_sources=False) for data, _ in entries]
    statuses = {item.id: wanted for item, (_, wanted) in zip(items, entries, strict=True)}
    first = await uploads.preview(
        source, MOD, "bank.yaml", export_items(items, "yaml", statuses=statuses)
    )
    assert first.problems == [], first.problems
    await uploads.confirm(source, first.upload_id or 0, MOD)
    before, before_status = await own_items(uploads, source)
    assert [i.id for i in before] == sorted(i.id for i in items)

    kept, left = exportable(before, fmt)
    if not kept:
        return
    data = export_items(kept, fmt, statuses=before_status)
    moved = await uploads.preview(target, MOD, f"export.{fmt}", data)
    assert moved.problems == [] and moved.skipped == [], (moved.problems, moved.skipped)
    assert sorted(moved.new) == sorted(i.id for i in kept)
    await uploads.confirm(target, moved.upload_id or 0, MOD)
    after, after_status = await own_items(uploads, target)
    assert after == sorted(kept, key=lambda i: i.id)  # every field: texts, answers, images
    assert after_status == {k: v for k, v in before_status.items() if k in {i.id for i in kept}}
    assert {i.id for i in left}.isdisjoint(i.id for i in after)
