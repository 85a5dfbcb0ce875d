from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "recommend"

    def ready(self) -> None:
        from recommend import receivers  # noqa: F401  (connects the signal receivers)
