"""Generated question banks in the bot's own YAML format (what a moderator uploads)."""

from __future__ import annotations

import random

from bench.common import TAGS


def bank_yaml(count: int, *, prefix: str = "b", seed: int = 7) -> bytes:
    """`count` items: mostly multiple choice, some true/false, all with a source."""
    rng = random.Random(seed)
    lines = [f"theme: bench-{prefix}", "items:"]
    for i in range(1, count + 1):
        tags = ", ".join(rng.sample(TAGS, rng.randint(1, 3)))
        head = [
            f"  - id: {prefix}-{i:05d}",
            f"    tags: [{tags}]",
            f"    difficulty: {rng.randint(1, 3)}",
            "    paragraph: null",
        ]
        if i % 5 == 0:
            body = [
                "    kind: true_false",
                f"    text: Bench statement number {i} is true.",
                f"    answer: {'true' if i % 2 else 'false'}",
            ]
        else:
            body = [
                "    kind: multiple_choice",
                f"    text: Which option is right in bench question {i}?",
                f"    choices: [Alpha {i}, Beta {i}, Gamma {i}, Delta {i}]",
                f"    answer: Alpha {i}",
            ]
        tail = [
            "    explanation: It is the first one.",
            f"    sources: [{{title: Bench {i}, publisher: Bench, url: 'https://example.org/{i}'}}]",
        ]
        lines.extend(head + body + tail)
    return ("\n".join(lines) + "\n").encode()


def mc_only_yaml(count: int, *, prefix: str = "mc") -> bytes:
    """Multiple-choice items only (four buttons): for the click benchmark."""
    lines = [f"theme: bench-{prefix}", "items:"]
    for i in range(1, count + 1):
        lines.extend(
            [
                f"  - id: {prefix}-{i:05d}",
                "    kind: multiple_choice",
                "    tags: [bench]",
                "    difficulty: 2",
                "    paragraph: null",
                f"    text: Which option is right in bench question {i}?",
                f"    choices: [Alpha {i}, Beta {i}, Gamma {i}, Delta {i}]",
                f"    answer: Alpha {i}",
                "    explanation: It is the first one.",
                f"    sources: [{{title: Bench {i}, publisher: Bench, url: 'https://example.org/{i}'}}]",
            ]
        )
    return ("\n".join(lines) + "\n").encode()
