"""drf-spectacular extensions for the project's own API classes (imported by ShopguideConfig.ready)."""

from __future__ import annotations

from drf_spectacular.authentication import BasicScheme


class HardenedBasicScheme(BasicScheme):
    """shopguide.authentication.BasicAuthentication documents as DRF's Basic auth (the same scheme)."""

    target_class = "shopguide.authentication.BasicAuthentication"
