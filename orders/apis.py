"""Cart and orders REST API. Every view reads and writes only the caller's own shopper.

Nobody, staff included, sees another shopper's cart or orders here: merchandisers manage orders in the
admin. Two URLs carry two operations each (``/cart/lines/{id}``: PATCH and DELETE, ``/orders``: GET
and POST) because the paths are fixed by the API's contract; each method still has its own
Input/Output serializers and calls one service.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors, services
from orders.models import Order, OrderLine
from profiles.models import Event
from profiles.services import shopper_for_request
from shopguide.api import StrictCharField
from shopguide.throttling import charge

ERROR_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "not_in_cart": status.HTTP_404_NOT_FOUND,
    "invalid_quantity": status.HTTP_400_BAD_REQUEST,
    "invalid_position": status.HTTP_400_BAD_REQUEST,
    "product_unavailable": status.HTTP_400_BAD_REQUEST,
    "not_authenticated": status.HTTP_403_FORBIDDEN,
}


class OrderApiError(APIException):
    """A domain refusal as ``{"code", "detail"}``: 409 when the state forbids it, 400/404 per ERROR_STATUS."""

    def __init__(self, error: services.OrderError) -> None:
        super().__init__(detail=error.detail, code=error.code)
        self.status_code = ERROR_STATUS.get(error.code, status.HTTP_409_CONFLICT)


# --- Serializers ----------------------------------------------------------------------------------


class CartLineOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    title = serializers.CharField(source="product.title")
    url = serializers.SerializerMethodField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    stock = serializers.IntegerField(source="product.stock")
    problem = serializers.CharField(help_text="why this line cannot be bought as it is; empty when it can")

    def get_url(self, row: selectors.CartRow) -> str:
        return f"/p/{row.product_id}/"


class CartOutput(serializers.Serializer):
    lines = CartLineOutput(many=True, source="rows")
    item_count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    can_check_out = serializers.BooleanField()


class CartLineAddInput(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=services.MAX_LINE_QUANTITY, default=1)
    surface = serializers.ChoiceField(choices=Event.Surface.choices, default=Event.Surface.DIRECT)
    position = serializers.IntegerField(min_value=1, max_value=services.MAX_POSITION, required=False, allow_null=True)
    query = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class CartLineUpdateInput(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=services.MAX_LINE_QUANTITY, help_text="0 removes the line"
    )


class OrderLineOutput(serializers.ModelSerializer):
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OrderLine
        fields = ["product_id", "sku", "title", "unit_price", "quantity", "line_total"]


class OrderOutput(serializers.ModelSerializer):
    lines = OrderLineOutput(many=True, read_only=True)
    cancellable = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["number", "status", "total", "currency", "created_at", "updated_at", "cancellable", "lines", "url"]

    def get_cancellable(self, order: Order) -> bool:
        return order.status == Order.Status.PLACED

    def get_url(self, order: Order) -> str:
        return f"/account/orders/{order.number}/"


def _cart_response(request: Request, *, status_code: int = status.HTTP_200_OK) -> Response:
    cart = selectors.cart_view(shopper=shopper_for_request(request, create=False))
    return Response(CartOutput(cart).data, status=status_code)


# --- Cart -----------------------------------------------------------------------------------------


class CartGetApi(APIView):
    """The caller's cart (an anonymous visitor's is kept with their session)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CartOutput)
    def get(self, request: Request) -> Response:
        return _cart_response(request)


class CartLineAddApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=CartLineAddInput, responses={201: CartOutput})
    def post(self, request: Request) -> Response:
        """Add ``quantity`` of a product (never more than is in stock: 409 ``insufficient_stock``)."""
        data = CartLineAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.cart_line_add(shopper=shopper_for_request(request), **data.validated_data)
        except services.OrderError as error:
            raise OrderApiError(error) from error
        return _cart_response(request, status_code=status.HTTP_201_CREATED)


class CartLineDetailApi(APIView):
    permission_classes = [AllowAny]

    def _shopper(self, request: Request) -> Any:
        shopper = shopper_for_request(request, create=False)
        if shopper is None:
            raise OrderApiError(services.OrderError("not_in_cart", "This product is not in your cart."))
        return shopper

    @extend_schema(request=CartLineUpdateInput, responses=CartOutput)
    def patch(self, request: Request, product_id: int) -> Response:
        """Set the quantity of a product in the cart; 0 removes it."""
        data = CartLineUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.cart_line_set_quantity(
                shopper=self._shopper(request), product_id=product_id, quantity=data.validated_data["quantity"]
            )
        except services.OrderError as error:
            raise OrderApiError(error) from error
        return _cart_response(request)

    # The cart as it is now, 200 (spectacular documents a bare serializer on DELETE as 204, which it never is).
    @extend_schema(request=None, responses={200: CartOutput})
    def delete(self, request: Request, product_id: int) -> Response:
        """Take a product out of the cart."""
        try:
            services.cart_line_remove(shopper=self._shopper(request), product_id=product_id)
        except services.OrderError as error:
            raise OrderApiError(error) from error
        return _cart_response(request)


# --- Orders ---------------------------------------------------------------------------------------


class OrderListPlaceApi(ListAPIView):
    """GET: the caller's own orders, newest first. POST: check out the cart (no payment)."""

    serializer_class = OrderOutput
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.order_list(shopper=shopper_for_request(self.request, create=False))

    @extend_schema(request=None, responses={201: OrderOutput})
    def post(self, request: Request) -> Response:
        charge(request, "checkout", cost=1)  # only placing counts: listing one's orders is free
        try:
            order = services.order_place(shopper=shopper_for_request(request))
        except services.OrderError as error:
            raise OrderApiError(error) from error
        order = selectors.order_for_shopper(shopper=order.shopper, number=order.number)
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderOutput)
    def get(self, request: Request, number: str) -> Response:
        """One of the caller's orders; anyone else's is 404, as if it did not exist."""
        order = selectors.order_for_shopper(shopper=shopper_for_request(request, create=False), number=number)
        if order is None:
            raise NotFound("No such order.")
        return Response(OrderOutput(order).data)


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OrderOutput)
    def post(self, request: Request, number: str) -> Response:
        """Cancel an order that is still ``placed`` (409 ``not_cancellable`` after that); stock goes back."""
        shopper = shopper_for_request(request, create=False)
        if shopper is None:
            raise NotFound("No such order.")
        try:
            services.order_cancel(shopper=shopper, number=number)
        except services.OrderError as error:
            raise OrderApiError(error) from error
        return Response(OrderOutput(selectors.order_for_shopper(shopper=shopper, number=number)).data)
