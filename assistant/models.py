"""What the assistant stores: conversations and their messages, intent examples and the trained classifier,
FAQ entries (embedded for retrieval), and support tickets opened from a conversation."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from pgvector.django import VectorField


class Intent(models.TextChoices):
    PRODUCT_SEARCH = "product_search"
    PRODUCT_QUESTION = "product_question"
    COMPARISON = "comparison"
    CUSTOMER_SERVICE = "customer_service"
    CHIT_CHAT = "chit_chat"
    OUT_OF_SCOPE = "out_of_scope"


class ServiceCategory(models.TextChoices):
    """Customer-service topics (the Bitext categories)."""

    ORDER = "ORDER"
    REFUND = "REFUND"
    DELIVERY = "DELIVERY"
    PAYMENT = "PAYMENT"
    SHIPPING_ADDRESS = "SHIPPING_ADDRESS"
    INVOICE = "INVOICE"
    ACCOUNT = "ACCOUNT"
    CONTACT = "CONTACT"
    FEEDBACK = "FEEDBACK"
    CANCELLATION_FEE = "CANCELLATION_FEE"
    NEWSLETTER = "NEWSLETTER"


class IntentExample(models.Model):
    """A labelled utterance the intent classifier learns from: shipped with the project or added in admin."""

    class Source(models.TextChoices):
        SHIPPED = "shipped"
        MERCHANDISER = "merchandiser"
        DATASET = "dataset"  # from a public dataset's train split (``load_intent_examples --dataset``)

    text = models.CharField(max_length=500)
    intent = models.CharField(max_length=32, choices=Intent.choices)
    # For customer_service: the topic; blank otherwise.
    category = models.CharField(max_length=32, choices=ServiceCategory.choices, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MERCHANDISER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["text", "intent", "category"], name="intentexample_unique")]

    def __str__(self) -> str:
        return f"{self.intent}{'/' + self.category if self.category else ''}: {self.text[:60]}"


class IntentClassifier(models.Model):
    """A trained classifier head (serialised), newest first; every web process loads the newest."""

    trained_at = models.DateTimeField(auto_now_add=True)
    examples = models.PositiveIntegerField()
    embedding_model = models.CharField(max_length=200)
    blob = models.BinaryField()
    report = models.JSONField(default=dict, blank=True)  # cross-validated accuracy and the like

    class Meta:
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"intent classifier of {self.trained_at:%Y-%m-%d %H:%M} ({self.examples} examples)"


class FaqEntry(models.Model):
    question = models.CharField(max_length=300)
    answer = models.TextField()
    category = models.CharField(max_length=32, choices=ServiceCategory.choices, blank=True)
    is_active = models.BooleanField(default=True)
    embedding = VectorField(dimensions=settings.EMBEDDING_DIM, null=True, blank=True, editable=False)
    embedding_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: erasing a shopper erases what they said.
    shopper = models.ForeignKey(
        "profiles.Shopper", null=True, blank=True, related_name="conversations", on_delete=models.CASCADE
    )
    # What the next turn builds on: the last search (query, filters), products shown, a pending question.
    state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"conversation {self.id}"


class Message(models.Model):
    class Role(models.TextChoices):
        SHOPPER = "shopper"
        ASSISTANT = "assistant"

    conversation = models.ForeignKey(Conversation, related_name="messages", on_delete=models.CASCADE)
    role = models.CharField(max_length=16, choices=Role.choices)
    text = models.TextField()
    intent = models.CharField(max_length=32, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    product = models.ForeignKey("catalog.Product", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    # The assistant's structured answer: product ids with reasons, comparison, citations, suggestions.
    payload = models.JSONField(default=dict, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"


class SupportTicket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, related_name="tickets", on_delete=models.SET_NULL
    )
    shopper = models.ForeignKey(
        "profiles.Shopper", null=True, blank=True, related_name="tickets", on_delete=models.CASCADE
    )
    category = models.CharField(max_length=32, choices=ServiceCategory.choices, blank=True)
    summary = models.CharField(max_length=300)
    transcript = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"ticket {self.pk}: {self.summary[:60]}"
