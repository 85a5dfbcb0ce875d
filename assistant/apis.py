"""Assistant REST API: post a message, get the reply (products with reasons, a comparison, citations,
suggestions); read back one's own conversation."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistant import selectors, services
from assistant.models import Intent
from catalog.apis import ProductOutput
from profiles.services import shopper_for_request
from shopguide.api import StrictCharField
from shopguide.throttling import ScopedRateThrottle

MAX_TEXT = 1000
INTENTS = [*Intent.values, "unsure"]


class MessagePostInput(serializers.Serializer):
    conversation_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="the conversation to continue; omit to start one"
    )
    text = StrictCharField(min_length=1, max_length=MAX_TEXT, help_text="what the shopper said")
    product_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="the product of the page the shopper is on, as context"
    )


class AssistantReasonOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="attribute, keyword, semantic, relaxed, personal, similar, …")
    text = serializers.CharField()


class ProductCardOutput(serializers.Serializer):
    product = ProductOutput()
    reasons = AssistantReasonOutput(many=True, help_text="why the engine that found it placed it here")


class ComparisonRowOutput(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField(), help_text="one per product, in products' order")


class ComparisonOutput(serializers.Serializer):
    products = ProductOutput(many=True)
    rows = ComparisonRowOutput(many=True)
    summary = serializers.CharField()


class CitationOutput(serializers.Serializer):
    source = serializers.CharField(help_text="where the fact comes from: product, faq, order, …")
    field = serializers.CharField(help_text="which field or entry of it")
    text = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)


class LinkOutput(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class UnderstoodSlotOutput(serializers.Serializer):
    type = serializers.CharField(help_text="category, brand, color, material, department, size, feature, price, …")
    text = serializers.CharField(help_text="the words as typed")
    start = serializers.IntegerField(help_text="character offset in the message")
    end = serializers.IntegerField()
    negated = serializers.BooleanField(help_text="excluded (“no leather”, “anything but red”)")
    hard = serializers.BooleanField(help_text="a filter the catalog applies; otherwise evidence for ranking")


class UnderstoodOutput(serializers.Serializer):
    act = serializers.CharField(
        help_text="new_search, refine, product_question, compare, service, chit_chat, out_of_scope or unsure"
    )
    slots = UnderstoodSlotOutput(many=True)
    price_min = serializers.CharField(allow_null=True)
    price_max = serializers.CharField(allow_null=True)
    price_hint = serializers.CharField(allow_null=True, help_text="cheap or premium, when words spoke of price")
    product_type = serializers.CharField(allow_null=True, help_text="the head noun read as the product type")
    corrected = serializers.CharField(allow_null=True, help_text="the message with typos fixed, when any were")
    references = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="ids of the products on screen the message points at (“this”, “the second one”)",
    )


class TurnOutput(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    intent = serializers.ChoiceField(choices=INTENTS, help_text="“unsure” when the assistant asked what was meant")
    confidence = serializers.FloatField(allow_null=True, help_text="the intent classifier's; null for follow-ups")
    reply = serializers.CharField()
    products = ProductCardOutput(many=True)
    comparison = ComparisonOutput(allow_null=True)
    citations = CitationOutput(many=True)
    suggestions = serializers.ListField(child=serializers.CharField(), help_text="quick replies: post one as text")
    links = LinkOutput(many=True)
    understood = UnderstoodOutput(
        allow_null=True, help_text="the structured request the message was read as; null for an answer to a question"
    )


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=["shopper", "assistant"])
    text = serializers.CharField()
    intent = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    products = ProductCardOutput(many=True)
    comparison = ComparisonOutput(allow_null=True)
    citations = CitationOutput(many=True)
    suggestions = serializers.ListField(child=serializers.CharField())
    links = LinkOutput(many=True)


class ConversationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    messages = MessageOutput(many=True)


class AssistantMessagePostApi(APIView):
    """Say something to the shopping assistant and get its reply.

    Products come with the reasons the search or recommendation engine gave; answers about products,
    the FAQ and orders cite what they rest on. Omit ``conversation_id`` to start a conversation and send
    the returned one with the next message; ``product_id`` is the page's product ("is it waterproof?").
    Anonymous callers talk as their session's shopper. A conversation of another shopper is a 404.
    Too many messages from one account or address: 429 with Retry-After.
    """

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "assistant"

    @extend_schema(
        operation_id="assistant_message_post",
        tags=["assistant"],
        request=MessagePostInput,
        responses={200: TurnOutput},
        examples=[OpenApiExample("search", value={"text": "waterproof hiking boots under $150"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = MessagePostInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["text"].strip():
            raise ValidationError({"text": "This field may not be blank."})
        try:
            turn = services.message_post(
                conversation_id=data.validated_data.get("conversation_id"),
                text=data.validated_data["text"],
                product_id=data.validated_data.get("product_id"),
                shopper=shopper_for_request(request),
                user=request.user,
            )
        except services.ConversationNotFound:
            raise NotFound("No such conversation.") from None
        except services.ProductNotFound:
            raise ValidationError({"product_id": "No such product."}) from None
        return Response(TurnOutput(turn).data)


class AssistantConversationDetailApi(APIView):
    """One of the caller's own conversations with every message; anyone else's is a 404."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="assistant_conversation_detail", tags=["assistant"], responses={200: ConversationOutput}
    )
    def get(self, request: Request, conversation_id: uuid.UUID) -> Response:
        conversation = selectors.conversation_for_shopper(
            conversation_id=conversation_id, shopper=shopper_for_request(request, create=False)
        )
        if conversation is None:
            raise NotFound("No such conversation.")
        return Response(
            ConversationOutput(
                {
                    "id": conversation.pk,
                    "created_at": conversation.created_at,
                    "messages": selectors.conversation_messages(conversation=conversation),
                }
            ).data
        )
