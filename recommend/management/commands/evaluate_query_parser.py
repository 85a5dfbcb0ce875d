from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommend.search.evaluation import evaluate_conll
from recommend.search.vocabulary import base_vocabulary


class Command(BaseCommand):
    help = (
        "Score the query parser on a QueryNER-style CoNLL file: exact-span precision/recall/F1 for color, "
        "material, department, price, UoM and quantity, and micro-F1 over them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(self, *args, file: Path, as_json: bool, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        # The built-in vocabulary only: these queries come from another shop than ours.
        result = evaluate_conll(file, base_vocabulary().finish())
        self.stdout.write(f"{'type':<12}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}")
        for kind, scores in result["per_type"].items():
            self.stdout.write(
                f"{kind:<12}{scores['p']:>8.3f}{scores['r']:>8.3f}{scores['f1']:>8.3f}{scores['support']:>8}"
            )
        self.stdout.write(f"{'micro':<12}{result['micro_p']:>8.3f}{result['micro_r']:>8.3f}{result['micro_f1']:>8.3f}")
        if as_json:
            per_type = {k: {m: v[m] for m in ("p", "r", "f1")} for k, v in result["per_type"].items()}
            self.stdout.write(json.dumps({"micro_f1": result["micro_f1"], "per_type": per_type}))
