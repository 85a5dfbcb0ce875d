"""Writes that recommend owns outside the engines: merchandising rules and synonyms."""

from __future__ import annotations

from django.db import transaction

from recommend.merchandising import state


def merchandising_changed() -> None:
    """A rule or synonym was saved or deleted: every process serves the change within seconds of the commit
    (this one at once)."""
    transaction.on_commit(state.bump)
