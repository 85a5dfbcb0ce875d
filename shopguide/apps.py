from __future__ import annotations

from django.apps import AppConfig


class ShopguideConfig(AppConfig):
    name = "shopguide"
    verbose_name = "ShopGuide"
