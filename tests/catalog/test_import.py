"""import_catalog: upsert by sku, category paths, line-numbered errors, nothing written on bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Brand, Category, Product

pytestmark = pytest.mark.django_db

HEADER = (
    "sku,title,description,category,brand,price,currency,rating,review_count,stock,is_active,attr.color,attr.sizes\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_catalog", *args, "--no-embed", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_csv_creates_products_categories_and_attributes(tmp_path):
    path = write(
        tmp_path,
        "catalog.csv",
        HEADER
        + 'S1,Trail Runner,"Light, breathable",Shoes > Running Shoes,Norvik,79.99,USD,4.5,120,7,true,blue,8|9|10\n'
        + "S2,City Boot,,Shoes > Boots,Norvik,129,EUR,,,0,no,brown,\n",
    )
    out, _ = run(str(path))
    assert "2 created, 0 updated" in out

    runner = Product.objects.select_related("category", "brand").get(sku="S1")
    assert runner.category.path == "Shoes > Running Shoes"
    assert runner.category.parent.path == "Shoes"
    assert runner.brand.name == "Norvik"
    assert runner.price == Decimal("79.99")
    assert runner.attributes == {"color": "blue", "sizes": ["8", "9", "10"]}
    assert runner.description == "Light, breathable"
    assert len(runner.content_hash) == 64
    boot = Product.objects.get(sku="S2")
    assert boot.is_active is False and boot.currency == "EUR" and boot.rating is None
    assert Category.objects.count() == 3 and Brand.objects.count() == 1


def test_reimport_updates_by_sku_without_duplicates(tmp_path):
    first = write(tmp_path, "a.csv", "sku,title,price\nS1,Old title,10\nS2,Other,5\n")
    run(str(first))
    second = write(tmp_path, "b.csv", "sku,title,price\nS1,New title,12.50\n")
    out, _ = run(str(second))
    assert "0 created, 1 updated" in out
    assert Product.objects.count() == 2
    product = Product.objects.get(sku="S1")
    assert (product.title, product.price) == ("New title", Decimal("12.50"))


def test_bad_rows_are_reported_by_line_and_nothing_is_written(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        "sku,title,price,rating\n"
        "S1,Fine,10,4\n"
        ",No sku,10,4\n"  # line 3
        "S3,Bad price,ten,4\n"  # line 4
        '"S4","Multi\nline title",5,9\n'  # lines 5-6: rating out of range
        "S1,Duplicate,1,1\n",  # line 7
    )
    with pytest.raises(CommandError, match="4 of 5 rows are invalid; nothing was imported"):
        out, err = StringIO(), StringIO()
        try:
            call_command("import_catalog", str(path), "--no-embed", stdout=out, stderr=err)
        finally:
            messages = err.getvalue()
    assert "line 3: sku is required" in messages
    assert "line 4: price 'ten' is not a valid number" in messages
    assert "line 5: rating '9' must be at most 5" in messages
    assert "line 7: sku 'S1' already appears on line 2" in messages
    assert Product.objects.count() == 0


def test_skip_invalid_imports_the_good_rows(tmp_path):
    path = write(tmp_path, "mixed.csv", "sku,title,price\nS1,Good,1\nS2,Bad,-3\nS3,Good too,2\n")
    out, err = run(str(path), "--skip-invalid")
    assert "line 3: price '-3' must be at least 0" in err
    assert "2 created" in out and "1 skipped" in out
    assert set(Product.objects.values_list("sku", flat=True)) == {"S1", "S3"}


def test_jsonl_with_nested_attributes_and_broken_line(tmp_path):
    good = {"sku": "J1", "title": "Kettle", "category": "Home & Kitchen > Appliances", "price": 39.5,
            "attributes": {"material": "steel", "features": ["cordless"]}}  # fmt: skip
    path = write(tmp_path, "items.jsonl", json.dumps(good) + "\n{not json\n")
    with pytest.raises(CommandError):
        run(str(path))
    assert not Product.objects.exists()
    path = write(tmp_path, "items.jsonl", json.dumps(good) + "\n")
    run(str(path))
    kettle = Product.objects.get(sku="J1")
    assert kettle.attributes == {"material": "steel", "features": ["cordless"]}
    assert kettle.price == Decimal("39.50")


def test_jsonl_error_names_the_line(tmp_path):
    path = write(tmp_path, "items.jsonl", '{"sku": "A", "title": "x"}\n\n[1, 2]\n')
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path), stderr=err, stdout=StringIO())
    assert "line 3: a JSON object is expected on each line" in err.getvalue()


def test_tsv_with_column_mapping_loads_evaluation_layout(tmp_path):
    # The layout of the search evaluation sets: product_id, title[, description]; titles carry bare quotes.
    path = write(
        tmp_path,
        "products.tsv",
        'product_id\ttitle\tdescription\n100001\tSimpson 5/8" Strong-Tie\tgalvanized\n100002\tDeck screws\t\n',
    )
    out, _ = run(str(path), "--map", "sku=product_id")
    assert "2 created" in out
    assert Product.objects.get(sku="100001").title == 'Simpson 5/8" Strong-Tie'
    assert Product.objects.get(sku="100001").price is None


def test_missing_required_column_is_a_clear_file_error(tmp_path):
    path = write(tmp_path, "products.tsv", "product_id\ttitle\n1\tThing\n")
    with pytest.raises(CommandError, match=r"required column\(s\) sku not found.*--map sku="):
        run(str(path))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot tell the format"):
        run(str(write(tmp_path, "x.xml", "<a/>")))
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "nope.csv"))


# --- Malformed files: a clear error naming the line, nothing imported ------------------------------------


def run_failing(path: Path) -> str:
    """Run the import expecting it to refuse; return everything it said (error and per-line reports)."""
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_catalog", str(path), "--no-embed", stdout=StringIO(), stderr=err)
    return f"{refused.value}\n{err.getvalue()}"


def test_binary_garbage_is_refused_naming_the_line(tmp_path):
    garbage = bytes(range(256)) * 40  # every byte value: line 3 ends at the first 0x0a, line 4 holds 0x80
    path = tmp_path / "products.csv"
    path.write_bytes(b"sku,title\nS1,Fine\n" + garbage)
    said = run_failing(path)
    assert "line 4: not UTF-8 text (byte 0x80" in said and "save products.csv as UTF-8" in said
    assert not Product.objects.exists()


def test_valid_utf8_binary_with_nul_bytes_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"sku": "A", "title": "Fine"}\n{"sku": "B", "title": "bad\\u0000data"}\n')
    said = run_failing(path)
    assert "line 2: binary data (a NUL byte) in title" in said
    path = tmp_path / "products.csv"
    path.write_bytes(b"sku,title\nS1,Fine\nS2,x\x00y\n")
    said = run_failing(path)
    assert "line 3" in said and "NUL" in said
    assert not Product.objects.exists()


def test_a_latin1_file_is_refused_naming_the_line_and_the_byte(tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes("sku,title\nS1,Plain mug\nS2,Café au lait bowl\n".encode("latin-1"))
    said = run_failing(path)
    assert "line 3: not UTF-8 text (byte 0xe9 at column 7); save products.csv as UTF-8" in said
    assert not Product.objects.exists()


def test_a_header_only_file_is_a_clear_error(tmp_path):
    said = run_failing(write(tmp_path, "products.csv", "sku,title,price\n"))
    assert "products.csv has a header but no product rows after line 1: nothing to import" in said
    said = run_failing(write(tmp_path, "items.jsonl", "\n\n"))
    assert "items.jsonl has no records: nothing to import" in said


def test_a_10_mb_single_line_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku,title\nS1,Fine\nS2," + "x" * 10_000_000 + "\n", encoding="utf-8")
    said = run_failing(path)
    assert "line 3: unreadable CSV (field larger than field limit" in said
    one_line = tmp_path / "one.csv"
    one_line.write_text("sku," + "t" * 10_000_000, encoding="utf-8")  # the header itself, no newline
    assert "line 1: unreadable CSV (field larger than field limit" in run_failing(one_line)
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps({"sku": "J1", "title": "y" * 10_000_000}) + "\n", encoding="utf-8")
    assert "line 1: title is longer than 400 characters" in run_failing(jsonl)
    assert not Product.objects.exists()
