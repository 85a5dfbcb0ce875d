from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog import importers, services


class Command(BaseCommand):
    help = (
        "Import products from CSV, TSV or JSONL (upsert by sku). Any bad row aborts the import with every "
        "problem listed by line number, unless --skip-invalid. Columns: see catalog/importers.py or README."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=["csv", "tsv", "jsonl"], help="default: from the file extension")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="read FIELD from the file's COLUMN, e.g. --map sku=product_id (repeatable)",
        )
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument("--no-embed", action="store_true", help="do not queue embedding of changed products")

    def handle(
        self, *args, path: Path, format: str | None, map: list[str], skip_invalid: bool, no_embed: bool, **options
    ) -> None:
        mapping: dict[str, str] = {}
        for pair in map:
            field, sep, column = pair.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise CommandError(f"--map expects FIELD=COLUMN, got {pair!r}")
            mapping[field.strip()] = column.strip()
        try:
            parsed = importers.parse_file(path, fmt=format, mapping=mapping)
        except importers.ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        for error in parsed.errors[:200]:
            self.stderr.write(f"{path.name}: {error}")
        if len(parsed.errors) > 200:
            self.stderr.write(f"... and {len(parsed.errors) - 200} more bad rows")
        if parsed.errors and not skip_invalid:
            raise CommandError(
                f"{len(parsed.errors)} of {parsed.rows} rows are invalid; nothing was imported "
                "(fix them, or pass --skip-invalid to import the valid rows)"
            )
        result = services.product_upsert_many(items=parsed.items, progress=parsed.rows > 5000, embed=not no_embed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(parsed.items)} products from {path.name}: {result.created} created, "
                f"{result.updated} updated, {len(parsed.errors)} skipped."
            )
        )
