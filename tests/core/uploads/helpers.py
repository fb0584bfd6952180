"""Shared helpers for the upload tests."""

from __future__ import annotations

from pathlib import Path

from bot.core.uploads import UploadParse, parse_upload

SAMPLES = Path(__file__).with_name("samples")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parse(text: str | bytes, filename: str) -> UploadParse:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_upload(data, filename)


def by_id(result: UploadParse) -> dict[str, object]:
    return {p.item.id: p for p in result.items}


def problem_lines(result: UploadParse) -> list[str]:
    return [str(p) for p in result.problems]
