from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant.evaluation import EvaluationInputError, evaluate

LABELS = {
    "bitext_category_accuracy": "Bitext: customer_service with the right category",
    "product_question_recall": "product questions classed product_question",
    "shopping_request_recall": "shopping requests classed product_search",
    "clinc_oos_recall": "CLINC oos classed out_of_scope or chit_chat",
    "clinc_smalltalk_recall": "CLINC small talk classed chit_chat",
}


class Command(BaseCommand):
    help = (
        "Score the intent classifier on DIR (bitext.tsv, product_questions.tsv, shopping_requests.tsv, "
        "clinc150.tsv, and DIR/../clinc150_domains.json): Bitext category accuracy, product-question and "
        "shopping-request recall, CLINC out-of-scope and small-talk recall."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, metavar="DIR")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")

    def handle(self, *args, folder: Path, as_json: bool, **options) -> None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        try:
            result = evaluate(folder)
        except EvaluationInputError as exc:
            raise CommandError(str(exc)) from exc
        metrics, support = result["metrics"], result["support"]
        counts = [
            support["bitext"],
            support["product_questions"],
            support["shopping_requests"],
            support["clinc_oos"],
            support["clinc_small_talk"],
        ]
        self.stdout.write(f"{'metric':<52}{'value':>8}{'lines':>8}")
        for (key, value), count in zip(metrics.items(), counts, strict=True):
            self.stdout.write(f"{LABELS[key]:<52}{value:>8.3f}{count:>8}")
        self.stdout.write(
            f"{'CLINC other in-domain lines classed out_of_scope':<52}"
            f"{result['clinc_in_domain_out_of_scope']:>8.3f}{support['clinc_in_domain']:>8}"
        )
        self.stdout.write(f"{'predictions marked unsure':<52}{result['unsure_share']:>8.3f}")
        for name, confusion in result["confusion"].items():
            shares = ", ".join(f"{k} {v}" for k, v in sorted(confusion.items(), key=lambda kv: -kv[1]))
            self.stdout.write(f"  {name}: {shares}")
        timing = result["timing"]
        self.stdout.write(
            f"{timing['texts']} texts: {timing['batch_ms_per_text']:.2f} ms/text batched, "
            f"classify() {timing['classify_ms_per_call']:.2f} ms/call"
        )
        if as_json:
            self.stdout.write(json.dumps(metrics))
