"""The shopper's control over their data: see their interests, remove them, pause, export, erase.

Writes follow the services convention (keyword-only, ``<entity>_<action>``, one transaction each);
the reads that only this feature needs (the interests summary, the export document) live here too.

Export and erasure are generic over what links to a person: Django's deletion collector lists every
row that deleting the account would remove (shopper, events, profile, and whatever other apps hang on
the shopper with ``on_delete=CASCADE``: cart, orders, search logs), so the export shows exactly what
erasure deletes, and profiles never imports the apps that depend on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router, transaction
from django.db.models import Model, Q
from django.db.models.deletion import Collector
from django.utils import timezone

from catalog.formatting import price_range_label
from catalog.models import Brand, Category, Product
from catalog.selectors import parse_price_band
from profiles.models import Event, Profile, Shopper
from profiles.signals import shopper_erasing

INTEREST_KINDS = ("category", "brand", "price_band", "attribute")
MAX_INTERESTS_SHOWN = 8  # per kind; removing one brings the next into view
MAX_RECENT_SHOWN = 12
SESSION_SCAN_CHUNK = 2000


class InterestError(ValueError):
    """A string that does not name an interest ("brand:acme", "attribute:color:red")."""


class ErasureRefused(Exception):
    """The account may not be erased now: a staff account (closed by an administrator), or an order on its way.

    ``code`` is stable for API clients; the message is for the person."""

    def __init__(self, detail: str, *, code: str = "staff_account") -> None:
        super().__init__(detail)
        self.code = code


# --- Interest keys ------------------------------------------------------------------------------


def interest_parse(key: str) -> tuple[str, str]:
    """ "attribute:color:red" → ("attribute", "color:red"); InterestError for anything else."""
    kind, sep, value = (key or "").strip().partition(":")
    if not sep or kind not in INTEREST_KINDS or not value.strip():
        raise InterestError(
            f"{key!r} is not an interest: write kind:value with kind one of {', '.join(INTEREST_KINDS)}"
        )
    if kind == "attribute" and ":" not in value.strip(":"):
        raise InterestError(f"{key!r} is not an interest: an attribute is attribute:name:value")
    return kind, value.strip()


def _interest_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


# --- Reads: what the profile holds, in words ----------------------------------------------------


@dataclass(frozen=True)
class Interest:
    key: str  # what a Remove/Restore button posts: "brand:acme"
    kind: str
    value: str
    label: str  # what a shopper reads: "Acme", "$25 – $50", "Color: red"
    weight: float | None  # None for a removed interest


@dataclass(frozen=True)
class RecentProduct:
    id: int
    title: str
    url: str


@dataclass(frozen=True)
class InterestsSummary:
    paused: bool
    learned: bool  # has a refresh ever filled the profile
    refreshed_at: datetime | None
    affinities: dict[str, dict[str, float]]
    interests: dict[str, list[Interest]]  # kind → best first
    recent_products: list[RecentProduct]
    recent_product_ids: list[int]
    removed: list[Interest]
    removed_interests: list[str] = field(default_factory=list)

    @property
    def all_interests(self) -> list[Interest]:
        return [i for kind in INTEREST_KINDS for i in self.interests.get(kind, [])]


def _labels(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Names for slugs and readable prices/attributes, two queries at most."""
    keys = list(keys)
    category_slugs = {v for k, v in keys if k == "category"}
    brand_slugs = {v for k, v in keys if k == "brand"}
    categories = (
        dict(Category.objects.filter(slug__in=category_slugs).values_list("slug", "name")) if category_slugs else {}
    )
    brands = dict(Brand.objects.filter(slug__in=brand_slugs).values_list("slug", "name")) if brand_slugs else {}
    labels = {}
    for kind, value in keys:
        if kind == "category":
            label = categories.get(value) or value.replace("-", " ").title()
        elif kind == "brand":
            label = brands.get(value) or value.replace("-", " ").title()
        elif kind == "price_band":
            band = parse_price_band(value)
            label = price_range_label(*band) if band else value
        else:
            name, _, attr_value = value.partition(":")
            label = f"{name.replace('_', ' ').capitalize()}: {attr_value}"
        labels[(kind, value)] = label
    return labels


def _sorted_weights(affinities: dict[str, Any], kind: str) -> list[tuple[str, float]]:
    # jsonb does not keep key order, so "best first" is restored here.
    weights = affinities.get(kind) or {}
    if not isinstance(weights, dict):
        return []
    return sorted(
        ((str(k), float(w)) for k, w in weights.items() if isinstance(w, int | float)), key=lambda kw: (-kw[1], kw[0])
    )


def interests_summary(*, shopper: Shopper, limit: int | None = MAX_INTERESTS_SHOWN) -> InterestsSummary:
    profile = Profile.objects.filter(shopper=shopper).first()
    affinities = (profile.affinities if profile else None) or {}
    removed_keys = [str(k) for k in ((profile.removed_interests if profile else None) or [])]
    ranked = {kind: _sorted_weights(affinities, kind)[:limit] for kind in INTEREST_KINDS}
    removed_pairs = []
    for key in removed_keys:
        try:
            removed_pairs.append(interest_parse(key))
        except InterestError:
            continue
    labels = _labels([(kind, v) for kind, pairs in ranked.items() for v, _ in pairs] + removed_pairs)
    interests = {
        kind: [Interest(_interest_key(kind, v), kind, v, labels[(kind, v)], w) for v, w in pairs]
        for kind, pairs in ranked.items()
    }
    removed = [Interest(_interest_key(k, v), k, v, labels[(k, v)], None) for k, v in removed_pairs]
    recent_ids = list((profile.recent_product_ids if profile else None) or [])
    shown_ids = recent_ids[:MAX_RECENT_SHOWN]
    titles = dict(Product.objects.filter(pk__in=shown_ids).values_list("pk", "title"))
    recent = [RecentProduct(pk, titles[pk], f"/p/{pk}/") for pk in shown_ids if pk in titles]
    return InterestsSummary(
        paused=shopper.personalization_paused,
        learned=bool(profile and profile.refreshed_at),
        refreshed_at=profile.refreshed_at if profile else None,
        affinities={kind: dict(_sorted_weights(affinities, kind)) for kind in INTEREST_KINDS if affinities.get(kind)},
        interests=interests,
        recent_products=recent,
        recent_product_ids=recent_ids,
        removed=removed,
        removed_interests=removed_keys,
    )


# --- Writes: interests and pause ----------------------------------------------------------------


def _locked_profile(shopper: Shopper) -> Profile:
    # Created on demand: a removal made before the first refresh must still bind that refresh.
    Profile.objects.get_or_create(shopper=shopper)
    return Profile.objects.select_for_update().get(shopper=shopper)


def profile_interest_remove(*, shopper: Shopper, keys: Sequence[str]) -> Profile:
    """Forget interests now (drop them from affinities) and for good (a refresh skips removed_interests)."""
    parsed = [interest_parse(key) for key in keys]
    with transaction.atomic():
        profile = _locked_profile(shopper)
        affinities = dict(profile.affinities or {})
        removed = [str(k) for k in (profile.removed_interests or [])]
        for kind, value in parsed:
            weights = affinities.get(kind)
            if isinstance(weights, dict) and value in weights:
                affinities[kind] = {k: w for k, w in weights.items() if k != value}
            key = _interest_key(kind, value)
            if key not in removed:
                removed.append(key)
        profile.affinities = affinities
        profile.removed_interests = removed
        profile.save(update_fields=["affinities", "removed_interests"])
    return profile


def profile_interest_restore(*, shopper: Shopper, keys: Sequence[str]) -> Profile:
    """Allow interests again; they come back, if the behaviour still shows them, at the next refresh."""
    restored = {_interest_key(*interest_parse(key)) for key in keys}
    with transaction.atomic():
        profile = _locked_profile(shopper)
        profile.removed_interests = [k for k in (profile.removed_interests or []) if k not in restored]
        profile.save(update_fields=["removed_interests"])
    return profile


def shopper_personalization_set(*, shopper: Shopper, paused: bool) -> Shopper:
    """Pause or resume personalisation. While paused: no behaviour events are recorded, the profile is
    neither updated nor used (README "Your data"); it is kept, so resuming picks up where it was."""
    with transaction.atomic():
        shopper = Shopper.objects.select_for_update().get(pk=shopper.pk)
        if shopper.personalization_paused != paused:
            shopper.personalization_paused = paused
            shopper.save(update_fields=["personalization_paused"])
    return shopper


def profile_update(
    *,
    shopper: Shopper,
    paused: bool | None = None,
    remove_interests: Sequence[str] = (),
    restore_interests: Sequence[str] = (),
) -> Shopper:
    """The API's PATCH: every change or none."""
    with transaction.atomic():
        if paused is not None:
            shopper = shopper_personalization_set(shopper=shopper, paused=paused)
        if remove_interests:
            profile_interest_remove(shopper=shopper, keys=remove_interests)
        if restore_interests:
            profile_interest_restore(shopper=shopper, keys=restore_interests)
    return shopper


# --- Export and erasure -------------------------------------------------------------------------

ACCOUNT_FIELDS = ("id", "username", "email", "first_name", "last_name", "date_joined", "last_login", "is_active")
EVENT_FIELDS = (
    "id", "kind", "product_id", "product__title", "query", "surface", "position", "order_id", "price",
    "client_event_id", "created_at",
)  # fmt: skip
# Shown in their own sections (or, for the user, without the password hash).
_EXPLICIT_MODELS = {"profiles.shopper", "profiles.profile", "profiles.event"}


def _collected(collector: Collector, rows: dict[type[Model], Any]) -> None:
    for model, instances in collector.data.items():
        rows[model] = sorted({o.pk: o for o in [*rows.get(model, []), *instances]}.values(), key=lambda o: o.pk)
    for qs in collector.fast_deletes:
        rows[qs.model] = list(rows.get(qs.model, [])) + list(qs.order_by("pk"))


def _personal_rows(user: AbstractBaseUser, *, kept: bool = False) -> dict[type[Model], list[Model] | Any]:
    """Every row that deleting this user removes, by model: querysets or lists of instances.

    ``kept``: also the rows erasure keeps, detached from the person (orders, for the shop's accounts), with
    what belongs to them (their lines): they are the person's until then, so the export has them.
    """
    user_model = get_user_model()
    using = router.db_for_write(user_model)
    collector = Collector(using=using)
    collector.collect([user_model.objects.get(pk=user.pk)])  # a real instance, not request.user's lazy proxy
    rows: dict[type[Model], Any] = {}
    _collected(collector, rows)
    if kept:
        detached = [obj for batches in collector.field_updates.values() for batch in batches for obj in batch]
        if detached:
            owned = Collector(using=using)
            owned.collect(detached)
            _collected(owned, rows)
    return rows


def _vector(value: Any) -> list[float] | None:
    return None if value is None else [float(x) for x in value]


def _json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def user_data_export(*, user: AbstractBaseUser) -> dict[str, Any]:
    """Everything ShopGuide holds about this person, as JSON-ready data (never the password hash)."""
    shopper = Shopper.objects.filter(user=user).first()
    profile = Profile.objects.filter(shopper=shopper).first() if shopper else None
    document: dict[str, Any] = {
        "exported_at": timezone.now(),
        "account": {name: getattr(user, name, None) for name in ACCOUNT_FIELDS},
        "shopper": None,
        "profile": None,
        "events": [],
        "related": {},
    }
    if shopper is not None:
        document["shopper"] = {
            "id": shopper.pk,
            "session_key": shopper.session_key,
            "personalization_paused": shopper.personalization_paused,
            "created_at": shopper.created_at,
        }
        document["events"] = list(
            Event.objects.filter(shopper=shopper).order_by("created_at", "id").values(*EVENT_FIELDS)
        )
    if profile is not None:
        document["profile"] = {
            "affinities": profile.affinities,
            "recent_product_ids": list(profile.recent_product_ids or []),
            "removed_interests": profile.removed_interests,
            "event_count": profile.event_count,
            "last_event_id": profile.last_event_id,
            "refreshed_at": profile.refreshed_at,
            "vector": _vector(profile.vector),
            "graph_vector": _vector(profile.graph_vector),
            "graph_trained_at": profile.graph_trained_at,
        }
    user_label = get_user_model()._meta.label_lower
    for model, objs in _personal_rows(user, kept=True).items():
        label = model._meta.label_lower
        if label in _EXPLICIT_MODELS or label == user_label or not objs:
            continue
        document["related"][label] = [
            {"id": row["pk"], **row["fields"]} for row in json.loads(serializers.serialize("json", objs))
        ]
    return _json_safe(document)


@dataclass(frozen=True)
class ErasureResult:
    deleted: dict[str, int]  # model label → rows deleted
    sessions: int


def erasure_preview(*, user: AbstractBaseUser) -> list[tuple[str, int]]:
    """What erasing would delete besides the account itself, as ("search logs", 17), for the confirmation step."""
    hidden = {get_user_model()._meta.label_lower, "profiles.shopper"}  # both are "your account" to a person
    counts = []
    for model, objs in _personal_rows(user).items():
        if model._meta.label_lower in hidden or not len(objs):
            continue
        meta = model._meta
        counts.append((str(meta.verbose_name if len(objs) == 1 else meta.verbose_name_plural), len(objs)))
    return sorted(counts)


def _sessions_delete(user_pk: Any) -> int:
    """Log the person out everywhere: database sessions carry the user id in their signed payload."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0  # cache-held sessions expire on their own and name an account that no longer exists
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=SESSION_SCAN_CHUNK):
        if session.get_decoded().get("_auth_user_id") == str(user_pk):
            doomed.append(session.pk)
    return Session.objects.filter(pk__in=doomed).delete()[0] if doomed else 0


def _login_records_delete(username: str) -> None:
    """django-axes keeps sign-in attempts and logs by username and address: the person's, too."""
    if not apps.is_installed("axes"):
        return
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=username).delete()


def user_erase(*, user: AbstractBaseUser, anonymous_shopper_ids: Sequence[int] = ()) -> ErasureResult:
    """Delete the account and every row about the person, in one transaction.

    Cascades do the work: user → shopper → events, profile (with its vectors), and what other apps
    attach to the shopper (cart, search logs, conversations). Orders stay for the shop's accounts, detached
    from the person; before that, ``shopper_erasing`` lets the orders app cancel open orders and return their
    stock in this same transaction, or refuse (an order on its way). ``anonymous_shopper_ids``: this browser's
    not-yet-merged anonymous shopper, which is the same person.
    """
    if user.is_staff or user.is_superuser:
        raise ErasureRefused("Staff accounts are closed by an administrator, not from the shop.")
    user_model = get_user_model()
    user_pk = user.pk
    with transaction.atomic():
        user = user_model.objects.select_for_update().get(pk=user_pk)
        username = user.get_username()
        shopper_ids = [str(pk) for pk in Shopper.objects.filter(user=user).values_list("pk", flat=True)]
        anonymous = list(
            Shopper.objects.filter(pk__in=anonymous_shopper_ids, user__isnull=True).values_list("pk", flat=True)
        )
        shopper_erasing.send(sender=Shopper, shopper_ids=[int(pk) for pk in shopper_ids] + anonymous)
        _, deleted = user.delete()
        if anonymous:
            _, more = Shopper.objects.filter(pk__in=anonymous).delete()
            for label, count in more.items():
                deleted[label] = deleted.get(label, 0) + count
        # The admin's history of changes to these rows would otherwise keep the person's name.
        types = ContentType.objects.get_for_models(user_model, Shopper, Profile)
        LogEntry.objects.filter(
            Q(content_type=types[user_model], object_id=str(user_pk))
            | Q(content_type__in=[types[Shopper], types[Profile]], object_id__in=shopper_ids)
        ).delete()
        _login_records_delete(username)
        sessions = _sessions_delete(user_pk)
    return ErasureResult(deleted=dict(deleted), sessions=sessions)
