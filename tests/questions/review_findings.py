"""Read the findings of a bank review (``../shared/BANK_REVIEW.md``) as stable keys.

The review is Markdown with sections ``## N. Title``. A finding is keyed by its section
and its number or item id, the way ``questions/RESOLUTIONS.yaml`` lists it:

* a numbered list item ``3. ...`` in section 2 is ``2.3``;
* a bullet ``- ...`` is ``S.bK`` (the K-th bullet of section S);
* section 8 (essay claims with no claim check) lists claims per essay paragraph,
  separated by semicolons: the K-th claim of ``Paragraph N:`` is ``8.pN.K``, and the
  trailing ``Paragraph 2's ...`` claim is ``8.pNs.K``;
* any other section is running text: each backticked token (an item id or a file) is
  ``S:<token>``, and each semicolon-separated clause that names none is ``S.cK``.

Each finding also carries the backticked item ids it names, so a test can check that the
resolution covers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION_RE = re.compile(r"^## (\d+)\. ", re.M)
_NUMBERED_RE = re.compile(r"^(\d+)\. ", re.M)
_TOKEN_RE = re.compile(r"`([^`]+)`")
_PARAGRAPH_RE = re.compile(r"Paragraph (\d)('s)?:?")


@dataclass(frozen=True)
class Finding:
    key: str
    section: int
    text: str
    tokens: tuple[str, ...] = field(default_factory=tuple)


def _sections(markdown: str) -> dict[int, str]:
    starts = list(_SECTION_RE.finditer(markdown))
    out: dict[int, str] = {}
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(markdown)
        body = markdown[match.end() : end]
        out[int(match.group(1))] = body.split("\n", 1)[1] if "\n" in body else ""
    return out


def _blocks(body: str, starts: list[re.Match[str]]) -> list[str]:
    return [
        body[m.start() : (starts[i + 1].start() if i + 1 < len(starts) else len(body))]
        for i, m in enumerate(starts)
    ]


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_TOKEN_RE.findall(text)))


def _claims(section: int, body: str) -> list[Finding]:
    text = " ".join(body.split())
    marks = list(_PARAGRAPH_RE.finditer(text))
    findings: list[Finding] = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        chunk = text[mark.end() : end].strip().rstrip(".")
        tag = f"p{mark.group(1)}{'s' if mark.group(2) else ''}"
        claims = [c.strip() for c in chunk.split(";") if c.strip()]
        for k, claim in enumerate(claims, start=1):
            findings.append(Finding(f"{section}.{tag}.{k}", section, claim, _tokens(claim)))
    return findings


def parse_findings(markdown: str) -> list[Finding]:
    """Every finding of the review, in order."""
    findings: list[Finding] = []
    for section, body in sorted(_sections(markdown).items()):
        numbered = list(_NUMBERED_RE.finditer(body))
        bullets = list(re.finditer(r"^- ", body, re.M))
        if numbered:
            for m, block in zip(numbered, _blocks(body, numbered), strict=True):
                key = f"{section}.{m.group(1)}"
                findings.append(Finding(key, section, block.strip(), _tokens(block)))
        elif bullets:
            for k, block in enumerate(_blocks(body, bullets), start=1):
                findings.append(Finding(f"{section}.b{k}", section, block.strip(), _tokens(block)))
        elif _PARAGRAPH_RE.search(body):
            findings.extend(_claims(section, body))
        else:
            text = " ".join(body.split())
            for token in _tokens(text):
                findings.append(Finding(f"{section}:{token}", section, token, (token,)))
            clauses = [c.strip() for c in text.split(";") if c.strip()]
            for k, clause in enumerate(clauses, start=1):
                if not _tokens(clause):
                    findings.append(Finding(f"{section}.c{k}", section, clause))
    return findings
