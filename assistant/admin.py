"""Merchandisers read conversations (what shoppers ask, what the assistant answered), keep the FAQ and
work the support tickets. Intent examples and the classifier have their own admin (assistant/intents)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from assistant import faq, services
from assistant.models import Conversation, FaqEntry, Message, SupportTicket


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
