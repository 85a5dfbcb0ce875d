"""Reads about shoppers and their profiles."""

from __future__ import annotations

from django.db import connection

from profiles.models import Profile


def shoppers_with_stale_profiles(*, limit: int = 1000) -> list[int]:
    """Shoppers (not paused) whose newest event is newer than their profile's watermark, or who have
    events and no profile yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id
              FROM profiles_shopper s
              JOIN LATERAL (SELECT max(e.id) AS last FROM profiles_event e WHERE e.shopper_id = s.id) ev ON true
              LEFT JOIN profiles_profile p ON p.shopper_id = s.id
             WHERE NOT s.personalization_paused
               AND ev.last IS NOT NULL
               AND ev.last > coalesce(p.last_event_id, 0)
             ORDER BY s.id
             LIMIT %s
            """,
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def profile_affinities_ranked(profile: Profile) -> dict[str, list[tuple[str, float]]]:
    """Affinities best first. Stored as JSON objects, whose key order Postgres (jsonb) does not keep."""
    return {
        kind: sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
        for kind, weights in (profile.affinities or {}).items()
    }
