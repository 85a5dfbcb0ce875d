"""Merchandisers' admin for what recommend owns: rules, synonyms, the search preview, operations and the search
log; the live ranking settings and A/B experiments register from recommend/experiments/admin.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalog.models import Category, Product
from profiles.models import Shopper
from recommend import operations, services
from recommend.experiments import admin as experiments_admin  # noqa: F401  (registers its model admins)
from recommend.merchandising import preview, state
from recommend.models import OperationRun, PopularSearchBlock, Rule, SearchLog, Synonym
from recommend.search import engine, suggest
from shopguide.text import one_line


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "name",
            "action",
            "scope",
            "query",
            "match",
            "category",
            "product",
            "brand",
            "target_category",
            "position",
            "strength",
            "url",
            "enabled",
            "starts_at",
            "ends_at",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action, scope = data.get("action"), data.get("scope")
        errors: dict[str, str] = {}
        if scope == Rule.Scope.QUERY and not (data.get("query") or "").strip():
            errors["query"] = "A query rule needs the words it applies to."
        if scope == Rule.Scope.CATEGORY and not data.get("category"):
            errors["category"] = "A category rule needs its category."
        targets = [f for f in ("product", "brand", "target_category") if data.get(f)]
        if action == Rule.Action.PIN and not data.get("product"):
            errors["product"] = "A pin needs the product to pin."
        if action in (Rule.Action.BOOST, Rule.Action.BURY, Rule.Action.HIDE, Rule.Action.PIN) and len(targets) > 1:
            errors["product"] = "Choose one target: a product, a brand or a category."
        if action in (Rule.Action.BOOST, Rule.Action.BURY, Rule.Action.HIDE) and not targets:
            errors["product"] = "Choose what the rule acts on: a product, a brand or a category."
        if action == Rule.Action.REDIRECT:
            url = (data.get("url") or "").strip()
            if scope != Rule.Scope.QUERY:
                errors["scope"] = "A redirect applies to a search query."
            if not url:
                errors["url"] = "A redirect needs the page to send shoppers to."
            # Otherwise Rule.clean() checks that it is a path on this shop (shopguide/local_paths.py).
        if data.get("action") in (Rule.Action.BOOST, Rule.Action.BURY) and not data.get("strength"):
            errors["strength"] = "Move by at least one place."
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            errors["ends_at"] = "The rule must end after it starts."
        if errors:
            raise ValidationError(errors)
        return data


class LiveFilter(admin.SimpleListFilter):
    title = "live now"
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("yes", "live now"), ("no", "not live (disabled, scheduled or ended)")]

    def queryset(self, request, queryset):
        now = timezone.now()
        live = queryset.filter(enabled=True).exclude(starts_at__gt=now).exclude(ends_at__lte=now)
        if self.value() == "yes":
            return live
        if self.value() == "no":
            return queryset.exclude(pk__in=live.values("pk"))
        return queryset


class MerchandisingAdmin(admin.ModelAdmin):
    """Saving or deleting tells every process (recommend.services.merchandising_changed)."""

    change_form_template = "admin/recommend/merchandising_change_form.html"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.merchandising_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.merchandising_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        services.merchandising_changed()

    @admin.display(description="live", boolean=True)
    def live(self, obj: Any) -> bool:
        now = timezone.now()
        return (
            obj.enabled
            and (obj.starts_at is None or obj.starts_at <= now)
            and (obj.ends_at is None or now < obj.ends_at)
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("preview-change/", self.admin_site.admin_view(self.replay_view), name=f"{info[0]}_{info[1]}_replay"),
            *super().get_urls(),
        ]

    def replay_view(self, request: HttpRequest) -> HttpResponse:
        """The change form posted here ("Preview this change"): replay the frequent queries with it, unsaved."""
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        pk = request.POST.get("_object_id") or None
        instance = self.model.objects.filter(pk=pk).first() if pk else None
        form = self.form(request.POST or None, instance=instance)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview this {self.opts.verbose_name} before publishing",
            "form": form,
            "kind": self.opts.model_name,
        }
        if request.method == "POST" and form.is_valid():
            unsaved = form.save(commit=False)
            replaces = (self.opts.model_name, instance.pk) if instance is not None else None
            replay = self.replay(unsaved, replaces)
            ids = {pk for c in replay.changes for pk in c.before + c.after}
            titles = dict(Product.objects.filter(pk__in=ids).values_list("pk", "title"))
            context.update(
                replay=replay,
                top=preview.TOP,
                zero_before=100 * replay.zero_rate(after=False),
                zero_after=100 * replay.zero_rate(after=True),
                rows=[
                    {
                        "change": c,
                        "entered": [titles.get(pk, pk) for pk in c.entered],
                        "left": [titles.get(pk, pk) for pk in c.left],
                    }
                    for c in replay.affected
                ],
            )
        return render(request, "admin/recommend/replay.html", context)


@admin.register(Rule)
class RuleAdmin(MerchandisingAdmin):
    form = RuleForm
    list_display = [
        "name",
        "action",
        "scope",
        "query",
        "category",
        "target",
        "position",
        "live",
        "starts_at",
        "ends_at",
    ]
    list_filter = [LiveFilter, "action", "scope", "enabled"]
    search_fields = ["name", "query", "product__title", "brand__name"]
    autocomplete_fields = ["product", "brand", "category", "target_category"]
    list_select_related = ["category", "product", "brand", "target_category"]
    fieldsets = [
        (None, {"fields": ["name", "action", "enabled"]}),
        ("Where it applies", {"fields": ["scope", "query", "match", "category"]}),
        ("What it acts on", {"fields": ["product", "brand", "target_category", "position", "strength", "url"]}),
        ("When", {"fields": ["starts_at", "ends_at"]}),
    ]

    @admin.display(description="acts on")
    def target(self, obj: Rule) -> str:
        return str(obj.product or obj.brand or obj.target_category or obj.url or "—")

    def replay(self, unsaved: Rule, replaces: tuple[str, int] | None) -> preview.Replay:
        return preview.replay(rule=state.active_rule(unsaved), replaces=replaces)

    def get_urls(self):
        return [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="recommend_rule_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """Type a query (optionally as a shopper, in a category): the ranking with its full score breakdown."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        q = one_line(request.GET.get("q", ""), limit=500)
        shopper_id = request.GET.get("shopper", "").strip()
        category = request.GET.get("category", "").strip()
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Search preview",
            "q": q,
            "shopper": shopper_id,
            "category": category,
            "categories": Category.objects.order_by("path").values_list("slug", "path"),
        }
        errors = []
        shopper = None
        if shopper_id:
            shopper = Shopper.objects.filter(pk=shopper_id).first() if shopper_id.isdigit() else None
            if shopper is None:
                errors.append(f"No shopper {shopper_id}.")
        if category and not Category.objects.filter(slug=category).exists():
            errors.append(f"No category {category}.")
        context["errors"] = errors
        if (q or category) and not errors:
            result = engine.search(
                q=q,
                filters=engine.SearchFilters(category=category or None),
                page_size=24,
                shopper_id=shopper.pk if shopper else None,
                log=False,
            )
            context["result"] = result
            names = sorted({k for h in result.hits for k in (h.features or {})})
            context["feature_names"] = names
            context["rows"] = [(hit, [(hit.features or {}).get(n) for n in names]) for hit in result.hits]
        return render(request, "admin/recommend/preview.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {"preview_url": reverse("admin:recommend_rule_preview"), **(extra_context or {})}
        return super().changelist_view(request, extra)


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["terms", "synonyms", "kind", "enabled", "starts_at", "ends_at"]

    def clean(self) -> dict[str, Any]:
        from recommend.merchandising.synonyms import split_phrases

        data = super().clean()
        if "terms" in data and not split_phrases(data["terms"]):
            raise ValidationError({"terms": "Give at least one word or phrase."})
        if "synonyms" in data and not split_phrases(data["synonyms"]):
            raise ValidationError({"synonyms": "Give at least one word or phrase."})
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError({"ends_at": "The synonym must end after it starts."})
        return data


@admin.register(Synonym)
class SynonymAdmin(MerchandisingAdmin):
    form = SynonymForm
    list_display = ["terms", "kind", "synonyms", "live", "starts_at", "ends_at"]
    list_filter = [LiveFilter, "kind", "enabled"]
    search_fields = ["terms", "synonyms"]

    def replay(self, unsaved: Synonym, replaces: tuple[str, int] | None) -> preview.Replay:
        row = (unsaved.pk, unsaved.terms, unsaved.synonyms, unsaved.kind, unsaved.starts_at, unsaved.ends_at)
        return preview.replay(synonym=row, replaces=replaces)


@admin.register(PopularSearchBlock)
class PopularSearchBlockAdmin(admin.ModelAdmin):
    """Phrases kept out of the "Popular searches" every visitor sees (takes effect at once)."""

    list_display = ["phrase", "note", "created_at"]
    search_fields = ["phrase", "note"]

    def save_model(self, request: HttpRequest, obj: PopularSearchBlock, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        suggest.popular_searches_forget()

    def delete_model(self, request: HttpRequest, obj: PopularSearchBlock) -> None:
        super().delete_model(request, obj)
        suggest.popular_searches_forget()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PopularSearchBlock]) -> None:
        super().delete_queryset(request, queryset)
        suggest.popular_searches_forget()


@admin.register(SearchLog)
class SearchLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "query", "intent", "total", "latency_ms", "surface"]
    list_filter = ["surface", "intent"]
    search_fields = ["query"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in SearchLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OperationRun)
class OperationRunAdmin(admin.ModelAdmin):
    """Start an operation (buttons above the list); each row shows its progress and result as the worker goes."""

    list_display = ["created_at", "kind", "status", "progress_bar", "message", "requested_by", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "kind", "status", "progress", "message", "result", "requested_by", "attempts", "created_at", "started_at",
        "finished_at",
    ]  # fmt: skip
    change_list_template = "admin/recommend/operationrun/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are started with the buttons above the list (start_view), never by a blank form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def can_start(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommend.add_operationrun")

    @admin.display(description="progress")
    def progress_bar(self, obj: OperationRun) -> str:
        return format_html(
            '<progress max="100" value="{}">{} %</progress> {} %', obj.progress, obj.progress, obj.progress
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.start_view)
        return [path("start/", view, name="recommend_operationrun_start"), *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.can_start(request):
            raise PermissionDenied
        kind = request.POST.get("kind", "")
        try:
            run = operations.operation_start(kind=kind, requested_by_id=request.user.pk)
        except operations.OperationError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"{run.get_kind_display().capitalize()}: {run.status}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:recommend_operationrun_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        active = OperationRun.objects.filter(status__in=[OperationRun.Status.QUEUED, OperationRun.Status.RUNNING])
        kinds = OperationRun.Kind.choices if self.can_start(request) else []
        extra = {"kinds": kinds, "refresh": active.exists(), **(extra_context or {})}
        return super().changelist_view(request, extra)
