from __future__ import annotations

from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = "Shopping assistant"

    def ready(self) -> None:
        from assistant import intents, receivers  # noqa: F401  (receivers connects the shopper_merging receiver)
        from recommend.understanding import acts

        acts.register(intents.act_of_vector)  # search reads each message's dialogue act from the intent head
