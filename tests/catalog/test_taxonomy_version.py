"""A category or brand saved or deleted bumps the catalog version once committed (catalog/receivers.py)."""

import pytest

from catalog.models import Brand, Category
from recommend.search.vocabulary import catalog_version

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change", ["category saved", "brand saved", "brand deleted"])
def test_a_taxonomy_change_bumps_the_catalog_version_after_commit(change, django_capture_on_commit_callbacks):
    category = Category.objects.create(name="Lamps", slug="lamps", path="Lamps", tree_key="/lamps/")
    brand = Brand.objects.create(name="Lumo", slug="lumo")
    start = catalog_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if change == "category saved":
            category.name = "Lighting"
            category.save()
        elif change == "brand saved":
            brand.name = "Lumo Lights"
            brand.save()
        else:
            brand.delete()
    assert catalog_version() == start  # nothing until the commit
    for callback in callbacks:
        callback()
    assert catalog_version() != start
