from __future__ import annotations

from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "recommend"
