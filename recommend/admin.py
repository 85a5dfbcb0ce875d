"""Admin for merchandisers: the live ranking settings and A/B experiments (recommend/experiments/admin.py)."""

from __future__ import annotations

from recommend.experiments import admin as experiments_admin  # noqa: F401  (registers its model admins)
