"""The shopper's privacy pages: "Your interests" (remove, pause), download my data, delete my account.

Every page serves only the signed-in person's own data; none takes an id. Buttons are plain POST forms
(they work without JavaScript and answer with a redirect); with htmx they swap the interests region.
"""

from __future__ import annotations

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.views import HtmxHttpRequest, storefront_context, wants_partial
from profiles import privacy
from profiles.services import anonymous_shopper_ids, shopper_for_request


def _join(labels: list[str]) -> str:
    """ "A", "A and B", "A, B and C": how a person lists things."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _sentences(summary: privacy.InterestsSummary) -> dict[str, str]:
    labels = {kind: [i.label for i in summary.interests.get(kind, [])] for kind in privacy.INTEREST_KINDS}
    sentences = {}
    if labels["category"]:
        sentences["category"] = f"You often look at {_join(labels['category'][:3])}."
    if labels["brand"]:
        sentences["brand"] = f"Brands you favour: {', '.join(labels['brand'][:5])}."
    if labels["price_band"]:
        sentences["price_band"] = f"Usually {labels['price_band'][0]}."
    if labels["attribute"]:
        sentences["attribute"] = f"You tend to choose {_join(labels['attribute'][:3])}."
    return sentences


def _interests_response(request: HtmxHttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    summary = privacy.interests_summary(shopper=shopper_for_request(request))
    context = {"summary": summary, "sentences": _sentences(summary), "error": error}
    if wants_partial(request):
        # htmx swaps only 2xx responses: the region carries the error message itself (role="alert").
        response = render(request, "profiles/interests.html#interests", context)
    else:
        response = render(request, "profiles/interests.html", context | storefront_context(), status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _after_post(request: HtmxHttpRequest) -> HttpResponse:
    # Post/redirect/get without JavaScript; htmx gets the refreshed region straight away.
    if request.htmx:
        return _interests_response(request)
    return redirect("profiles:interests", permanent=False)


@login_required
@require_GET
def interests_page(request: HtmxHttpRequest) -> HttpResponse:
    return _interests_response(request)


@login_required
@require_POST
def interest_remove(request: HtmxHttpRequest) -> HttpResponse:
    try:
        privacy.profile_interest_remove(shopper=shopper_for_request(request), keys=[request.POST.get("interest", "")])
    except privacy.InterestError:
        return _interests_response(request, error="That interest could not be removed. Please try again.", status=400)
    return _after_post(request)


@login_required
@require_POST
def interest_restore(request: HtmxHttpRequest) -> HttpResponse:
    try:
        privacy.profile_interest_restore(shopper=shopper_for_request(request), keys=[request.POST.get("interest", "")])
    except privacy.InterestError:
        return _interests_response(request, error="That interest could not be restored. Please try again.", status=400)
    return _after_post(request)


@login_required
@require_POST
def personalization_set(request: HtmxHttpRequest) -> HttpResponse:
    paused = request.POST.get("paused")
    if paused not in ("0", "1"):
        return _interests_response(request, error="Choose to pause or to resume personalisation.", status=400)
    privacy.shopper_personalization_set(shopper=shopper_for_request(request), paused=paused == "1")
    return _after_post(request)


@login_required
@require_GET
def export_download(request: HtmxHttpRequest) -> HttpResponse:
    """The same document as GET /api/v1/me/export, as a file to keep."""
    document = privacy.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"shopguide-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HtmxHttpRequest) -> HttpResponse:
    """GET: what would be deleted, and the button. POST: delete, log out, say so."""
    user = request.user
    staff = user.is_staff or user.is_superuser
    refused = ""
    if request.method == "POST" and not staff:
        anonymous = anonymous_shopper_ids(request)
        try:
            privacy.user_erase(user=user, anonymous_shopper_ids=anonymous)
        except privacy.ErasureRefused as exc:
            refused = str(exc)
        else:
            logout(request)
            return redirect("profiles:account-deleted")
    context = {
        "staff": staff,
        "refused": refused,
        "counts": privacy.erasure_preview(user=user),
        **storefront_context(),
    }
    status = 403 if staff and request.method == "POST" else 409 if refused else 200
    return render(request, "profiles/account_delete.html", context, status=status)


@require_GET
def account_deleted(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "profiles/account_deleted.html", storefront_context())
