from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assistant.intents import (
    DATASET_PER_INTENT,
    SHIPPED_FILE,
    dataset_examples,
    dataset_examples_load,
    intent_examples_load,
)


class Command(BaseCommand):
    help = (
        "Make the shipped IntentExample rows equal assistant/data/intent_examples.tsv (idempotent; "
        "examples merchandisers added are left alone). With --dataset DIR (a TRAIN split laid out like "
        "shared/data/nlu/train: bitext.tsv, clinc150.tsv, and ../clinc150_domains.json), also make the dataset "
        "rows equal a seeded sample of it. Retrain afterwards: manage.py train_intents."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", type=Path, default=SHIPPED_FILE)
        parser.add_argument("--dataset", type=Path, help="a train split folder (never dev or test)")
        parser.add_argument("--per-intent", type=int, default=DATASET_PER_INTENT)

    def handle(self, *args, file: Path, dataset: Path | None, per_intent: int, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist")
        try:
            counts = intent_examples_load(path=file)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{counts['file']} shipped examples: {counts['created']} created, {counts['deleted']} deleted, "
            f"{counts['unchanged']} unchanged"
        )
        if dataset is None:
            return
        if "dev" in dataset.parts or "test" in dataset.parts:
            raise CommandError("dataset examples come from a train split only, never a dev or test folder")
        domains_path = dataset / ".." / "clinc150_domains.json"
        missing = [p for p in (dataset / "bitext.tsv", dataset / "clinc150.tsv", domains_path) if not p.is_file()]
        if missing:
            raise CommandError(f"{missing[0]} does not exist")
        try:
            rows = dataset_examples(dataset, domains=json.loads(domains_path.read_text()), per_intent=per_intent)
        except (KeyError, ValueError) as exc:
            raise CommandError(f"{dataset}: {exc}") from exc
        done = dataset_examples_load(rows)
        self.stdout.write(f"{done['rows']} dataset examples: {done['created']} created, {done['deleted']} deleted")
