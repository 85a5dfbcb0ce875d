"""The shipped intent examples: reproducible from their generator, and covering many kinds of product."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from assistant import intents

GENERATOR = intents.SHIPPED_FILE.with_name("build_intent_examples.py")


def test_the_shipped_file_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "examples.tsv"
    subprocess.run([sys.executable, str(GENERATOR), str(out)], check=True, capture_output=True)

    assert out.read_bytes() == intents.SHIPPED_FILE.read_bytes()


def test_product_questions_cover_many_kinds_of_product():
    questions = [t.lower() for t, intent, _ in intents.shipped_examples() if intent == "product_question"]
    # One noun per kind of product, each asked about in several shipped questions.
    kinds = [
        "drill",
        "air fryer",
        "soundbar",
        "office chair",
        "puzzle",
        "mascara",
        "lawn mower",
        "brake pads",
        "litter box",
        "yoga mat",
        "stroller",
        "shredder",
    ]
    mentions = Counter(kind for kind in kinds for q in questions if kind in q)

    assert {kind: mentions[kind] >= 3 for kind in kinds} == dict.fromkeys(kinds, True)
