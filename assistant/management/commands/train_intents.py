from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from assistant.intents import intent_train


class Command(BaseCommand):
    help = (
        "Train the intent classifier on every IntentExample (the shipped file when there are none), "
        "cross-validated, and store it as the newest IntentClassifier."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="train and report, store nothing")

    def handle(self, *args, dry_run: bool, **options) -> None:
        classifier = intent_train(save=not dry_run)
        report = classifier.report
        cv = report.get("cross_validation", {})
        self.stdout.write(
            f"{report['examples']} examples, {len(report['per_label'])} labels, {report['seconds']} s; "
            f"cross-validated intent accuracy {cv.get('intent_accuracy')}, label accuracy {cv.get('label_accuracy')}; "
            f"unsure below {report['threshold']}"
        )
        self.stdout.write(json.dumps(report["per_label"]))
        self.stdout.write("not stored (--dry-run)" if dry_run else f"stored {classifier}")
