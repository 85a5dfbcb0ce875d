"""Merchandisers manage fulfilment here: orders by status and date, status editable; carts read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest

from orders import services
from orders.models import Cart, CartLine, Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["sku", "title", "unit_price", "quantity", "product"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["status"]

    def clean_status(self) -> str:
        new = self.cleaned_data["status"]
        # The instance still holds the stored status here (the form applies its values after cleaning).
        if self.instance.pk and self.instance.status == Order.Status.CANCELLED and new != Order.Status.CANCELLED:
            raise forms.ValidationError("A cancelled order stays cancelled: its stock is back on sale.")
        return new


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderAdminForm
    list_display = ["number", "shopper", "status", "total", "currency", "line_count", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["shopper__user"]
    search_fields = ["number", "shopper__user__username", "shopper__user__email", "lines__sku"]
    date_hierarchy = "created_at"
    fields = ["number", "shopper", "status", "total", "currency", "created_at", "updated_at"]
    readonly_fields = ["number", "shopper", "total", "currency", "created_at", "updated_at"]
    inlines = [OrderLineInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        return super().get_queryset(request).annotate(_line_count=Count("lines"))

    @admin.display(description="lines", ordering="_line_count")
    def line_count(self, obj: Order) -> int:
        return obj._line_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout only

    def save_model(self, request: HttpRequest, obj: Order, form, change: bool) -> None:
        # Through the service, so cancelling puts the stock back and a cancelled order stays cancelled.
        if "status" in form.changed_data:
            try:
                services.order_status_set(order=obj, status=obj.status)
            except services.OrderError as error:
                self.message_user(request, error.detail, messages.ERROR)


class CartLineInline(admin.TabularInline):
    model = CartLine
    fields = ["product", "quantity", "added_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["shopper", "items", "updated_at"]
    list_select_related = ["shopper__user"]
    search_fields = ["shopper__user__username"]
    readonly_fields = ["shopper", "updated_at"]
    inlines = [CartLineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cart]:
        return super().get_queryset(request).annotate(_items=Sum("lines__quantity"))

    @admin.display(description="items", ordering="_items")
    def items(self, obj: Cart) -> int:
        return obj._items or 0

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Cart | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Cart | None = None) -> bool:
        return False
