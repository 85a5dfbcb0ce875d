from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from assistant.dialogue import act_name
from recommend.search import vocabulary
from recommend.understanding import evaluation, training


class Command(BaseCommand):
    help = (
        "Score the understanding step on the project's own phrasing sets against the demo shop's vocabulary: "
        "tests/data/understanding_phrasings.jsonl and understanding_phrasings_e.jsonl (never trained on, but read "
        "during development), understanding_phrasings_b/c/d.jsonl (written blind, never read: the held-out figures). "
        "Dialogue act accuracy, slot F1, negation scope, price, exact structured request; learned path and "
        "rules-only fallback side by side."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            type=Path,
            nargs="*",
            default=[*evaluation.DEVELOPMENT, *evaluation.BLIND],
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(self, *args, files: list[Path], as_json: bool, **options) -> None:
        sets = {}
        for file in files:
            if not file.is_file():
                raise CommandError(f"{file} does not exist")
            try:
                sets[file.name] = evaluation.read_cases(file)
            except (ValueError, KeyError) as exc:
                raise CommandError(f"{file}: {exc}") from exc
        demo_vocabulary, _ = training.demo_vocabularies()
        vocabulary.pin(demo_vocabulary)  # the demo shop's words, whatever this database holds
        metrics = ("act_accuracy", "slot_f1", "negation_scope_exact", "price_exact", "exact")
        report = {}
        try:
            for name, cases in sets.items():
                results = {}
                for path, learned in (("learned", True), ("rules", False)):
                    with override_settings(UNDERSTANDING_LEARNED=learned):
                        results[path] = evaluation.evaluate(
                            cases,
                            demo_vocabulary,
                            learned=learned,
                            act_of=lambda case, parsed: act_name(case.text, case.context),
                        )
                self.stdout.write(f"{name}: {len(cases)} turns")
                self.stdout.write(f"{'metric':<24}{'learned':>10}{'rules':>10}")
                for metric in metrics:
                    self.stdout.write(
                        f"{metric:<24}{results['learned'][metric]:>10.4f}{results['rules'][metric]:>10.4f}"
                    )
                self.stdout.write(f"act confusions (learned): {results['learned']['act_confusions']}")
                report[name] = {k: {m: v[m] for m in metrics} for k, v in results.items()}
        finally:
            vocabulary.reset()
        if as_json:
            self.stdout.write(json.dumps(report))
