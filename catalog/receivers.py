"""A category or brand saved or deleted (the admin, an import) changes what search derives from the catalog:
the vocabulary holds their names, facets their tree. Bump the catalog version once the change is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Brand, Category


@receiver(post_save, sender=Category, dispatch_uid="catalog.category_saved")
@receiver(post_delete, sender=Category, dispatch_uid="catalog.category_deleted")
@receiver(post_save, sender=Brand, dispatch_uid="catalog.brand_saved")
@receiver(post_delete, sender=Brand, dispatch_uid="catalog.brand_deleted")
def catalog_taxonomy_changed(**kwargs: Any) -> None:
    from catalog.services import catalog_version_bump

    transaction.on_commit(catalog_version_bump)
