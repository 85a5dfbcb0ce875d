"""Catalog files (CSV, TSV, JSONL) to validated ProductInput rows, every problem tied to its line.

Columns (CSV/TSV header names, JSONL keys):

=============== ======== ==========================================================
column          required meaning
=============== ======== ==========================================================
sku             yes      unique product code; rows upsert by it
title           yes      product name
description              free text
category                 path "Top > Sub > Leaf" (created when missing)
brand                    brand name (created when missing)
price                    decimal >= 0, e.g. 79.99 (empty: no price)
currency                 ISO 4217 code, default USD
rating                   0 to 5
review_count             integer >= 0
stock                    integer
is_active                true/false, yes/no, 1/0 (default true)
image_url                http(s) URL
attributes               JSON object, e.g. {"color": "blue", "sizes": ["8", "9"]}
attr.<name>              one attribute per column; "a|b|c" makes a list
=============== ======== ==========================================================

``mapping`` renames source columns to these names (``{"sku": "product_id"}``), so files of any
shape, such as the evaluation sets' ``product_id, title[, description]``, load without editing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from catalog.services import ProductInput

KNOWN_COLUMNS = {
    "sku", "title", "description", "category", "brand", "price", "currency", "rating",
    "review_count", "stock", "is_active", "image_url", "attributes",
}  # fmt: skip
TRUE = {"true", "yes", "1", "y", "t"}
FALSE = {"false", "no", "0", "n", "f"}
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, unknown format, no header, required column absent)."""


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in {"csv", "tsv", "jsonl"}:
            raise ImportFileError(f"unknown format {fmt!r}: use csv, tsv or jsonl")
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ImportFileError(f"cannot tell the format of {path.name}: use --format csv|tsv|jsonl") from None


def _text_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """The file's lines as text (line endings kept, for the csv module), failing on the first line that is not UTF-8.

    Decoding line by line, rather than through a text wrapper, lets the error name the line: a file saved in
    another encoding (Latin-1, Windows-1252) or binary data fails there, before anything is imported.
    """
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"line {number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                f"save {name} as UTF-8"
            ) from None


def read_records(path: Path, *, fmt: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Yield (line number, raw record) pairs; a record that cannot even be parsed comes as a RowError."""
    if not path.exists():
        raise ImportFileError(f"{path} does not exist")
    with path.open("rb") as handle:
        lines = _text_lines(handle, path.name)
        if fmt == "jsonl":
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, RowError(number, f"invalid JSON ({exc.msg} at column {exc.colno})")
                    continue
                except RecursionError:
                    yield number, RowError(number, "invalid JSON (nested too deeply)")
                    continue
                if not isinstance(record, dict):
                    yield number, RowError(number, "a JSON object is expected on each line")
                    continue
                yield number, record
            return
        if fmt == "tsv":
            # Tab-separated files from the wild carry bare quotes inside titles: no quoting at all.
            reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        else:
            reader = csv.reader(lines)
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError(f"{path.name} is empty") from None
            header = [h.strip() for h in header]
            start = reader.line_num + 1
            for row in reader:
                line = start
                start = reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield line, RowError(line, f"expected {len(header)} fields, found {len(row)}")
                    continue
                yield line, dict(zip(header, row, strict=True))
        except csv.Error as exc:
            # e.g. "line contains NUL" (binary data), "field larger than field limit" (a runaway quote or line)
            raise ImportFileError(f"line {reader.line_num}: unreadable CSV ({exc})") from exc


def apply_mapping(record: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    if not mapping:
        return record
    out = dict(record)
    for target, source in mapping.items():
        if source in record:
            out[target] = record[source]
            if source != target and source not in mapping:
                out.pop(source, None)
    return out


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def parse_record(record: dict[str, Any]) -> ProductInput:
    """Validate one record; raise ValueError whose message names the offending field."""
    problems: list[str] = []
    # Postgres text cannot hold NUL; in a catalog file it means binary data, never a product's text.
    nul = sorted(str(name) for name, value in record.items() if _holds_nul(name) or _holds_nul(value))
    if nul:
        raise ValueError(f"binary data (a NUL byte) in {', '.join(nul)}")

    def text(name: str, *, required: bool = False, limit: int | None = None) -> str:
        value = record.get(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            problems.append(f"{name} is required")
        if limit and len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
        return value

    def number(name: str, kind: type, *, low: float | None = None, high: float | None = None) -> Any:
        raw = record.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            value = kind(str(raw).strip())
            if kind is Decimal and not value.is_finite():
                raise InvalidOperation
        except (ValueError, InvalidOperation, TypeError):
            problems.append(f"{name} {raw!r} is not a valid {'number' if kind is Decimal else 'integer'}")
            return None
        if low is not None and value < low:
            problems.append(f"{name} {raw!r} must be at least {low}")
        if high is not None and value > high:
            problems.append(f"{name} {raw!r} must be at most {high}")
        return value

    sku = text("sku", required=True, limit=64)
    title = text("title", required=True, limit=400)
    price = number("price", Decimal, low=0, high=10**10)
    rating = number("rating", Decimal, low=0, high=5)
    review_count = number("review_count", int, low=0)
    stock = number("stock", int)
    currency = text("currency").upper() or "USD"
    if not CURRENCY_RE.match(currency):
        problems.append(f"currency {currency!r} is not a three-letter ISO code")
    active_raw = record.get("is_active", True)
    if isinstance(active_raw, bool):
        is_active = active_raw
    else:
        flag = str(active_raw).strip().lower()
        is_active = True if flag == "" else flag in TRUE
        if flag and flag not in TRUE | FALSE:
            problems.append(f"is_active {active_raw!r} is not true/false")
    image_url = text("image_url", limit=500)
    if image_url and not image_url.startswith(("http://", "https://")):
        problems.append(f"image_url {image_url[:60]!r} is not an http(s) URL")
    attributes = _attributes(record, problems)

    if problems:
        raise ValueError("; ".join(problems))
    return ProductInput(
        sku=sku,
        title=title,
        description=text("description"),
        category_path=text("category"),
        brand=text("brand", limit=120),
        price=price.quantize(Decimal("0.01")) if price is not None else None,
        currency=currency,
        attributes=attributes,
        rating=rating.quantize(Decimal("0.1")) if rating is not None else None,
        review_count=review_count or 0,
        stock=stock or 0,
        is_active=is_active,
        image_url=image_url,
    )


def _attributes(record: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    raw = record.get("attributes")
    if isinstance(raw, dict):
        attributes.update(raw)
    elif isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            problems.append("attributes is not valid JSON")
            parsed = {}
        if isinstance(parsed, dict):
            attributes.update(parsed)
        else:
            problems.append("attributes must be a JSON object")
    elif raw not in (None, ""):
        problems.append("attributes must be a JSON object")
    for key, value in record.items():
        if key.startswith("attr.") and value not in (None, ""):
            name = key[5:].strip()
            if isinstance(value, str) and "|" in value:
                attributes[name] = [v.strip() for v in value.split("|") if v.strip()]
            else:
                attributes[name] = value.strip() if isinstance(value, str) else value
    return attributes


@dataclass
class ParsedFile:
    items: list[ProductInput]
    errors: list[RowError]
    rows: int


def parse_file(path: Path, *, fmt: str | None = None, mapping: dict[str, str] | None = None) -> ParsedFile:
    """Read and validate a whole file; duplicates of a sku within the file are errors too."""
    fmt = detect_format(path, fmt)
    mapping = mapping or {}
    items: list[ProductInput] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    rows = 0
    header_checked = False
    for line, record in read_records(path, fmt=fmt):
        rows += 1
        if isinstance(record, RowError):
            errors.append(record)
            continue
        record = apply_mapping(record, mapping)
        if not header_checked and fmt != "jsonl":
            missing = [c for c in ("sku", "title") if c not in record]
            if missing:
                raise ImportFileError(
                    f"required column(s) {', '.join(missing)} not found; columns are {', '.join(sorted(record))} "
                    "(use --map sku=<column> to rename)"
                )
            header_checked = True
        try:
            item = parse_record(record)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if item.sku in seen:
            errors.append(RowError(line, f"sku {item.sku!r} already appears on line {seen[item.sku]}"))
            continue
        seen[item.sku] = line
        items.append(item)
    if rows == 0:
        what = "no records" if fmt == "jsonl" else "a header but no product rows after line 1"
        raise ImportFileError(f"{path.name} has {what}: nothing to import")
    return ParsedFile(items=items, errors=errors, rows=rows)
