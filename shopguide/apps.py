from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopguideConfig(AppConfig):
    name = "shopguide"
    verbose_name = "ShopGuide"

    def ready(self) -> None:
        from shopguide.embedding import model_validate
        from shopguide.roles import merchandiser_group_sync

        # A wrong EMBEDDING_MODEL stops gunicorn, Celery and manage.py here, with a message naming the
        # variable, rather than at the first search (none of those run Django's system checks).
        model_validate()

        # After every app's migrate step (permissions of later apps appear on their step): idempotent.
        post_migrate.connect(merchandiser_group_sync, dispatch_uid="shopguide.merchandiser_group")
