from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "recommend"

    def ready(self) -> None:
        from profiles.signals import shopper_merging
        from recommend.receivers import move_search_log_on_shopper_merge

        shopper_merging.connect(move_search_log_on_shopper_merge, dispatch_uid="recommend.move_search_log")
