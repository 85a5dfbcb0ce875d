from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assistant.intents import SHIPPED_FILE, intent_examples_load


class Command(BaseCommand):
    help = (
        "Make the shipped IntentExample rows equal assistant/data/intent_examples.tsv (idempotent; "
        "examples merchandisers added are left alone). Retrain afterwards: manage.py train_intents."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", type=Path, default=SHIPPED_FILE)

    def handle(self, *args, file: Path, **options) -> None:
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
