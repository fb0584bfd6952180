"""Property tests: parse_upload never raises or hangs, and what it accepts re-validates."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bank.items import parse_item
from bot.core.bank.uploads import UploadParse, UploadProblem, parse_upload
from bot.core.bank.uploads.export import export_items, exportable
from bot.core.bank.uploads.formats.base import MENTION_RE
from bot.core.bank.uploads.result import FORMATS
from bot.core.bank.uploads.templates import template

SAMPLES = Path(__file__).with_name("samples")


TIME_LIMIT = 5.0  # seconds; small inputs take milliseconds
FILENAMES = st.sampled_from(
    ["q.yaml", "q.yml", "q.json", "q.csv", "q.txt", "q.gift", "q", "Q.YAML", ""]
)
SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
TOKENS = [
    "{",
    "}",
    "=",
    "~",
    "#",
    "::",
    "\\",
    "\n",
    "\n\n",
    ",",
    '"',
    "'",
    "|",
    "[",
    "]",
    ":",
    "- ",
    "&a ",
    "*a",
    "%50%",
    "->",
    "@everyone",
    "<@&12>",
    "&amp;",
    "%20",
    "\ufeff",
    "\t",
    "items:",
    "T",
    "$CATEGORY: x\n",
    "// c\n",
    "null",
    "1994",
    "x" * 120,
]
# UPLOAD_FUZZ_SCALE=50 runs fifty times as many examples (a one-off stress run).
SCALE = max(1, int(os.environ.get("UPLOAD_FUZZ_SCALE", "1") or 1))
SETTINGS = settings(
    max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def check(result: UploadParse, elapsed: float) -> None:
    assert isinstance(result, UploadParse)
    assert elapsed < TIME_LIMIT
    assert result.format in FORMATS
    for problem in [*result.problems, *result.skipped]:
        assert isinstance(problem, UploadProblem)
        assert str(problem)
    hashes = set()
    for parsed in result.items:
        item = parsed.item
        again = parse_item(item.model_dump(mode="json"), require_sources=False)
        assert again == item
        assert item.content_hash() not in hashes
        hashes.add(item.content_hash())
        assert not any(MENTION_RE.search(v) for v in _strings(item.model_dump(mode="json")))
        assert parsed.location


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def run(data: bytes, filename: str) -> UploadParse:
    start = time.monotonic()
    result = parse_upload(data, filename)
    check(result, time.monotonic() - start)
    return result


@SETTINGS
@given(text=st.text(max_size=400), filename=FILENAMES)
def test_arbitrary_text(text: str, filename: str) -> None:
    run(text.encode("utf-8", "surrogatepass"), filename)


@SETTINGS
@given(data=st.binary(max_size=400), filename=FILENAMES)
def test_arbitrary_bytes(data: bytes, filename: str) -> None:
    run(data, filename)


@st.composite
def mutated_sample(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(SAMPLE_FILES))
    text = (SAMPLES / name).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "replace", "text"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 40)) :]
        elif op == "duplicate":
            end = pos + draw(st.integers(1, 200))
            text = text[:end] + text[pos:end] + text[end:]
        elif op == "replace" and pos < len(text):
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos + 1 :]
        else:
            text = text[:pos] + draw(st.text(max_size=12)) + text[pos:]
    filename = draw(st.sampled_from([name, "upload.txt", "upload"]))
    return text.encode("utf-8", "surrogatepass"), filename


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_sample())
def test_mutated_samples(case: tuple[bytes, str]) -> None:
    data, filename = case
    result = run(data, filename)
    # Whatever was accepted survives an export round trip.
    items = [p.item for p in result.items]
    for fmt in ("yaml", "json", "csv"):
        keep, _ = exportable(items, fmt)
        if not keep:
            continue
        again = parse_upload(export_items(keep, fmt), f"again.{fmt}")
        assert again.problems == [], (fmt, [str(p) for p in again.problems])
        assert [p.item for p in again.items] == keep


@st.composite
def mutated_template(draw: st.DrawFn) -> tuple[bytes, str]:
    fmt = draw(st.sampled_from(FORMATS))
    name, data = template(fmt)
    raw = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(raw)))
        raw[pos:pos] = draw(st.binary(min_size=1, max_size=4))
    return bytes(raw), name


@SETTINGS
@given(case=mutated_template())
def test_mutated_templates_bytes(case: tuple[bytes, str]) -> None:
    run(*case)


# --------------------------------------------------------------------------- the command line


def validate_cli(data: bytes, filename: str) -> None:
    """`quizbot questions validate FILE`: exit 0 or 1 with a report, never a traceback."""
    import tempfile

    from typer.testing import CliRunner

    from bot.cli import app

    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / (filename or "upload")
        path.write_bytes(data)
        result = CliRunner().invoke(app, ["questions", "validate", str(path)])
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert f"({parse_upload(data, filename or 'upload').format})" in result.output


def test_cli_validate_every_sample() -> None:
    for name in SAMPLE_FILES:
        validate_cli((SAMPLES / name).read_bytes(), name)
    for data, name in [
        (b"[" * 100_000, "deep.json"),
        (b"[" * 5_000, "deep.yaml"),
        (b"{" * 50_000, "deep.gift"),
        (b"items:\n- {id: abc, difficulty: " + b"9" * 6000 + b"}\n", "bigint.yaml"),
        (b'{"items": [{"difficulty": ' + b"9" * 6000 + b"}]}", "bigint.json"),
        (b"Q?:\n- " + b"9" * 6000 + b"\n", "bigint-red.yaml"),
        (b"text,difficulty\nQ?," + b"9" * 6000 + b"\n", "bigint.csv"),
        (b"\xff\xfe" + "x".encode("utf-16-le"), "utf16.yaml"),
        (b"", "empty.yaml"),
    ]:
        validate_cli(data, name)


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_sample())
def test_cli_validate_mutated_samples(case: tuple[bytes, str]) -> None:
    validate_cli(*case)


@SETTINGS
@given(case=mutated_template())
def test_cli_validate_mutated_templates(case: tuple[bytes, str]) -> None:
    validate_cli(*case)
