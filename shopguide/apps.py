from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopguideConfig(AppConfig):
    name = "shopguide"
    verbose_name = "ShopGuide"

    def ready(self) -> None:
        from shopguide.roles import merchandiser_group_sync

        # After every app's migrate step (permissions of later apps appear on their step): idempotent.
        post_migrate.connect(merchandiser_group_sync, dispatch_uid="shopguide.merchandiser_group")
