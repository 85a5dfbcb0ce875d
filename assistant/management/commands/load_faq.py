"""Load the FAQ entries the project ships (assistant/data/faq.json): idempotent, by question."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from assistant import faq
from assistant.models import FaqEntry

FAQ_FILE = Path(__file__).resolve().parents[2] / "data" / "faq.json"


class Command(BaseCommand):
    help = "Create or update the shipped FAQ entries (matched by question); entries added in admin are kept."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--embed", action="store_true", help="embed the entries now instead of in the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        created = updated = unchanged = 0
        for item in json.loads(FAQ_FILE.read_text()):
            entry = FaqEntry.objects.filter(question=item["question"]).first()
            if entry is None:
                entry = FaqEntry(question=item["question"])
                created += 1
            elif entry.answer == item["answer"] and entry.category == item["category"]:
                unchanged += 1
                continue
            else:
                updated += 1
            entry.answer = item["answer"]
            entry.category = item["category"]
            faq.faq_entry_save(entry=entry)
        embedded = faq.faq_embed() if options["embed"] else 0
        self.stdout.write(
            f"FAQ: {created} created, {updated} updated, {unchanged} unchanged"
            + (f", {embedded} embedded" if options["embed"] else "")
        )
