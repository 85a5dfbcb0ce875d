"""Staff roles: the Merchandiser group and exactly the permissions it needs.

Merchandisers steer the catalog, the merchandising rules and synonyms, the ranking experiments, the
assistant's FAQ and intent examples, and read analytics, conversations and support tickets. They cannot
see shoppers' profiles or behaviour, nor manage users; orders they read and update (customer service). Kept in step with the code after every ``migrate``
(models added later gain their permissions on the next migrate); a permission named here that does not
exist yet is skipped, never an error.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

MERCHANDISER = "Merchandiser"

# app label → model → actions
MERCHANDISER_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "catalog": {
        "product": ("view", "add", "change"),
        "category": ("view", "add", "change"),
        "brand": ("view", "add", "change"),
    },
    "recommend": {
        "rule": ("view", "add", "change", "delete"),
        "synonym": ("view", "add", "change", "delete"),
        "searchlog": ("view",),
        "experiment": ("view", "add", "change"),
        "variant": ("view", "add", "change", "delete"),
        "rankingsettings": ("view", "change"),
        "operationrun": ("view", "add"),
        "surfaceimpression": ("view",),
    },
    "orders": {  # customer service: order status, cancellations (README "Orders")
        "order": ("view", "change"),
        "orderline": ("view",),
        "cart": ("view",),
        "cartline": ("view",),
    },
    "assistant": {
        "faqentry": ("view", "add", "change", "delete"),
        "intentexample": ("view", "add", "change", "delete"),
        "intentclassifier": ("view",),
        "conversation": ("view",),
        "message": ("view",),
        "supportticket": ("view", "change"),
    },
}


def merchandiser_group_sync(**_: Any) -> None:
    """Create the Merchandiser group and set its permissions to exactly MERCHANDISER_PERMISSIONS."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=MERCHANDISER)
    wanted = [
        (app, f"{action}_{model}")
        for app, models in MERCHANDISER_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    found = list(
        Permission.objects.filter(
            content_type__app_label__in=list(MERCHANDISER_PERMISSIONS),
            codename__in=[codename for _, codename in wanted],
        ).select_related("content_type")
    )
    permissions = [p for p in found if (p.content_type.app_label, p.codename) in set(wanted)]
    group.permissions.set(permissions)
