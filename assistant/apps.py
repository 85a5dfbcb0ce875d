from __future__ import annotations

from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = "Shopping assistant"

    def ready(self) -> None:
        from assistant import receivers  # noqa: F401  (connects the shopper_merging receiver)
