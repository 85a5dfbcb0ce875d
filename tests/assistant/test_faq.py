"""FAQ: the shipped entries load idempotently, are embedded, and answer questions with a citation."""

from __future__ import annotations

import io

from django.core.management import call_command

from assistant import faq
from assistant.models import FaqEntry, Intent
from tests.assistant.conftest import client_for, say


def test_load_faq_is_idempotent(db, embedding_model):
    out = io.StringIO()
    call_command("load_faq", stdout=out)
    count = FaqEntry.objects.count()
    assert count >= 15
    assert set(FaqEntry.objects.values_list("category", flat=True)) >= {
        "DELIVERY", "REFUND", "PAYMENT", "INVOICE", "ACCOUNT", "CANCELLATION_FEE", "NEWSLETTER", "CONTACT",
        "SHIPPING_ADDRESS",
    }  # fmt: skip
    again = io.StringIO()
    call_command("load_faq", stdout=again)
    assert FaqEntry.objects.count() == count
    assert f"0 created, 0 updated, {count} unchanged" in again.getvalue()


def test_faq_answer_cites_the_entry(faq_entries, alice):
    turn = say(client_for(alice), "how long does it take to get my money back after a return?")
    assert turn["intent"] == Intent.CUSTOMER_SERVICE
    entry = FaqEntry.objects.get(question="How long does a refund take?")
    assert entry.answer in turn["reply"]
    assert {"source": "faq", "field": f"faq:{entry.pk}", "text": entry.question, "product_id": None} in turn[
        "citations"
    ]


def test_payment_methods(faq_entries, alice):
    turn = say(client_for(alice), "can I pay with paypal?")
    assert "PayPal" in turn["reply"]
    assert turn["citations"][0]["source"] == "faq"


def test_unrelated_words_match_no_entry(faq_entries):
    assert faq.faq_best("purple elephants dancing on the moon") is None


def test_a_changed_entry_is_embedded_again(faq_entries):
    entry = FaqEntry.objects.get(question="How much does shipping cost?")
    old_hash = entry.embedding_hash
    entry.answer = "Shipping is free on every order, whatever its size."
    faq.faq_entry_save(entry=entry)
    entry.refresh_from_db()
    assert entry.embedding is None  # stale vectors are never used
    # The task queued on commit, or (as here, inside the test transaction) the next lookup, embeds it.
    assert faq.faq_best("what does delivery cost?").entry == entry
    entry.refresh_from_db()
    assert entry.embedding is not None and entry.embedding_hash not in ("", old_hash)


def test_embed_task_is_idempotent(faq_entries):
    from assistant.tasks import embed_faq_entries

    assert embed_faq_entries(entry_ids=None) == 0
