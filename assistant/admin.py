"""Admin for merchandisers: conversations (what shoppers ask, what the assistant answered), the FAQ, support
tickets, the intent examples they curate and the classifiers trained on them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assistant import faq, services
from assistant.models import Conversation, FaqEntry, IntentClassifier, IntentExample, Message, SupportTicket
from assistant.tasks import train_intent_classifier


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "role", "text", "intent", "confidence", "product", "latency_ms", "payload"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Conversation | None = None) -> bool:
        return False


class IntentFilter(admin.SimpleListFilter):
    title = "intent"
    parameter_name = "intent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        values = Message.objects.exclude(intent="").values_list("intent", flat=True).distinct().order_by("intent")
        return [(v, v.replace("_", " ")) for v in values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
        if not self.value():
            return queryset
        return queryset.filter(pk__in=Message.objects.filter(intent=self.value()).values("conversation_id"))


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "shopper", "created_at", "updated_at"]
    list_filter = [IntentFilter, "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["messages__text"]
    readonly_fields = ["id", "shopper", "state", "created_at", "updated_at"]
    fields = readonly_fields
    inlines = [MessageInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Conversation | None = None) -> bool:
        return False  # read-only: what was said stays as it was said


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "is_active", "embedded", "updated_at"]
    list_filter = ["category", "is_active"]
    search_fields = ["question", "answer"]
    fields = ["question", "answer", "category", "is_active"]

    @admin.display(boolean=True)
    def embedded(self, obj: FaqEntry) -> bool:
        return obj.embedding_hash == faq.entry_hash(obj)

    def save_model(self, request: HttpRequest, obj: FaqEntry, form, change: bool) -> None:
        faq.faq_entry_save(entry=obj)  # re-embedded after commit when its words changed


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ["id", "summary", "category", "status", "shopper", "created_at"]
    list_filter = ["status", "category", "created_at"]
    search_fields = ["summary", "transcript"]
    readonly_fields = ["conversation", "shopper", "category", "summary", "transcript", "created_at"]
    fields = [*readonly_fields, "status"]
    actions = ["close_tickets"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tickets come from conversations

    @admin.action(description="Close selected tickets")
    def close_tickets(self, request: HttpRequest, queryset: QuerySet[SupportTicket]) -> None:
        closed = sum(services.support_ticket_close(ticket=ticket) for ticket in queryset)
        self.message_user(request, f"{closed} ticket{'s' if closed != 1 else ''} closed.", messages.SUCCESS)


def _send_training(request: HttpRequest, model_admin: admin.ModelAdmin) -> None:
    train_intent_classifier.delay_on_commit()
    model_admin.message_user(
        request,
        "Retraining the intent classifier in the background: the assistant uses it within a minute of finishing.",
        messages.SUCCESS,
    )


@admin.register(IntentExample)
class IntentExampleAdmin(admin.ModelAdmin):
    list_display = ["text", "intent", "category", "source", "created_at"]
    list_filter = ["intent", "category", "source"]
    search_fields = ["text"]
    fields = ["text", "intent", "category", "source"]
    readonly_fields = ["source"]
    actions = ["retrain"]
    change_list_template = "admin/assistant/intentexample/change_list.html"
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: IntentExample, form: Any, change: bool) -> None:
        if not change:
            obj.source = IntentExample.Source.MERCHANDISER
        super().save_model(request, obj, form, change)

    @admin.action(description="Retrain the intent classifier")
    def retrain(self, request: HttpRequest, queryset: Any) -> None:
        _send_training(request, self)

    def get_urls(self):
        view = self.admin_site.admin_view(self.retrain_view)
        return [path("retrain/", view, name="assistant_intentexample_retrain"), *super().get_urls()]

    def retrain_view(self, request: HttpRequest) -> HttpResponseRedirect:
        if request.method == "POST" and self.has_change_permission(request):
            _send_training(request, self)
        return HttpResponseRedirect(reverse("admin:assistant_intentexample_changelist"))


@admin.register(IntentClassifier)
class IntentClassifierAdmin(admin.ModelAdmin):
    list_display = ["trained_at", "examples", "embedding_model", "cv_accuracy", "threshold"]
    fields = ["trained_at", "examples", "embedding_model", "report_table"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("blob")

    @admin.display(description="cross-validated intent accuracy")
    def cv_accuracy(self, obj: IntentClassifier) -> Any:
        return (obj.report.get("cross_validation") or {}).get("intent_accuracy")

    @admin.display(description="unsure below")
    def threshold(self, obj: IntentClassifier) -> Any:
        return obj.report.get("threshold")

    @admin.display(description="report")
    def report_table(self, obj: IntentClassifier) -> str:
        report = obj.report or {}
        rows = [(k, v) for k, v in (report.get("cross_validation") or {}).items()]
        rows += [(k, v) for k, v in report.items() if k not in {"cross_validation", "per_label", "fingerprint"}]
        rows += [(f"examples: {k}", v) for k, v in (report.get("per_label") or {}).items()]
        cells = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html("<table>{}</table>", cells) if rows else "—"
