"""The intent classifier with the real model and the real database: what a shopper's message is about."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from assistant import intents
from assistant.models import IntentClassifier, IntentExample

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _fresh_head(embedding_model):
    """Each test starts from what is stored (nothing: the head fitted on the shipped file)."""
    intents.reset_cache()
    yield
    intents.reset_cache()


@pytest.mark.parametrize(
    ("text", "intent", "category"),
    [
        ("i need running shoes under 80", "product_search", ""),
        ("looking for a waterproof jacket for my son", "product_search", ""),
        ("is this waterproof?", "product_question", ""),
        ("does the latch come in white?", "product_question", ""),
        ("will it fit a 15 inch laptop", "product_question", ""),
        # Product questions about many kinds of product, naming the item rather than saying "it".
        ("does the air fryer basket go in the dishwasher?", "product_question", ""),
        ("will these brake pads fit a 2016 rav4?", "product_question", ""),
        ("is the cordless drill sold with a battery or without?", "product_question", ""),
        ("does the sunscreen leave a white cast on dark skin?", "product_question", ""),
        ("we have two cats, is the cover on this dog bed washable?", "product_question", ""),
        ("is the treadmill quiet enough for an upstairs flat?", "product_question", ""),
        ("which is better for trail running, the Norvik or the Alpina?", "comparison", ""),
        ("what's the difference between these two", "comparison", ""),
        ("where is my order 48213", "customer_service", "ORDER"),
        ("I want my money back for the broken kettle", "customer_service", "REFUND"),
        ("how do i reset my password", "customer_service", "ACCOUNT"),
        ("what payment methods do you accept", "customer_service", "PAYMENT"),
        ("please unsubscribe me from your newsletter", "customer_service", "NEWSLETTER"),
        ("let me talk to a real person", "customer_service", "CONTACT"),
        ("I need to change the delivery address of my order", "customer_service", "SHIPPING_ADDRESS"),
        ("hello there", "chit_chat", ""),
        ("thanks a lot, bye", "chit_chat", ""),
        ("what's the weather in paris tomorrow", "out_of_scope", ""),
        ("book me a flight to rome", "out_of_scope", ""),
        ("what's the speed limit on german highways", "out_of_scope", ""),
        ("set a timer for 12 minutes", "out_of_scope", ""),
        ("how long do eggs keep in the fridge", "out_of_scope", ""),
    ],
)
@pytest.mark.django_db
def test_typical_messages_are_classified(text, intent, category):
    prediction = intents.classify(text)

    assert (prediction.intent, prediction.category) == (intent, category)
    assert 0.0 <= prediction.confidence <= 1.0
    assert not prediction.unsure


@pytest.mark.django_db
def test_nonsense_is_unsure():
    for text in ["asdf qwer zxcv", "   "]:
        prediction = intents.classify(text)
        assert prediction.unsure, text
        assert prediction.category == "" or prediction.intent == "customer_service"


@pytest.mark.django_db
def test_a_merchandiser_example_changes_the_prediction_after_retraining():
    call_command("load_intent_examples")
    # "Glimmerpass" is this shop's name for its newsletter: no shipped example knows the word.
    question = "tell me about glimmerpass"
    before = intents.classify(question)
    assert (before.intent, before.category) != ("customer_service", "NEWSLETTER")

    for text in [
        "what is glimmerpass",
        "how do i join glimmerpass",
        "stop sending me glimmerpass",
        "sign me up for glimmerpass",
        "glimmerpass emails",
        "tell me more about the glimmerpass mails",
    ]:
        IntentExample.objects.create(text=text, intent="customer_service", category="NEWSLETTER")
    classifier = intents.intent_train()

    assert IntentClassifier.objects.latest() == classifier
    assert classifier.examples == IntentExample.objects.count()
    assert classifier.report["cross_validation"]["intent_accuracy"] > 0.8
    assert 0.3 <= classifier.report["threshold"] <= 0.8
    prediction = intents.classify(question)
    assert (prediction.intent, prediction.category, prediction.unsure) == ("customer_service", "NEWSLETTER", False)
    # Another process (a fresh cache) reads the same classifier from the database.
    intents.reset_cache()
    assert intents.classify(question).category == "NEWSLETTER"


@pytest.mark.django_db
def test_loading_the_shipped_examples_is_idempotent():
    call_command("load_intent_examples")
    count = IntentExample.objects.filter(source=IntentExample.Source.SHIPPED).count()
    call_command("load_intent_examples")

    assert count == len(set(intents.shipped_examples())) > 500
    assert IntentExample.objects.filter(source=IntentExample.Source.SHIPPED).count() == count


def _write_dir(root, *, skip=None):
    data = root / "dev"
    data.mkdir()
    files = {
        "bitext.tsv": "text\tintent\tcategory\nwhere is my order 1234\ttrack_order\tORDER\n"
        "i want a refund\tget_refund\tREFUND\nwhat's the weather like\tweird\tDELIVERY\n",
        "product_questions.tsv": "text\nis this waterproof?\ndoes it come in black?\n",
        "shopping_requests.tsv": "text\ni need running shoes under 80\ni am looking for a red dress\n",
        "clinc150.tsv": "text\tintent\nwhat's the weather today\tweather\nhow do i unclog a drain\toos\n"
        "hello there\tgreeting\nthank you so much\tthank_you\n",
    }
    for name, text in files.items():
        if name != skip:
            (data / name).write_text(text)
    (root / "clinc150_domains.json").write_text(
        json.dumps({"utility": ["weather"], "small_talk": ["greeting", "thank_you"]})
    )
    return data


@pytest.mark.django_db
def test_evaluate_intents_reports_the_metrics(tmp_path, capsys):
    call_command("evaluate_intents", str(_write_dir(tmp_path)), "--json")

    lines = capsys.readouterr().out.strip().splitlines()
    metrics = json.loads(lines[-1])
    assert set(metrics) == {
        "bitext_category_accuracy",
        "product_question_recall",
        "shopping_request_recall",
        "clinc_oos_recall",
        "clinc_smalltalk_recall",
    }
    assert metrics["bitext_category_accuracy"] == pytest.approx(2 / 3, abs=0.01)
    assert metrics["product_question_recall"] == 1.0
    assert metrics["shopping_request_recall"] == 1.0
    assert metrics["clinc_oos_recall"] == 1.0
    assert metrics["clinc_smalltalk_recall"] == 1.0
    assert any("in-domain" in line for line in lines)


@pytest.mark.django_db
def test_evaluate_intents_names_a_missing_file(tmp_path):
    folder = _write_dir(tmp_path, skip="product_questions.tsv")
    with pytest.raises(CommandError, match="product_questions.tsv"):
        call_command("evaluate_intents", str(folder))

    (tmp_path / "clinc150_domains.json").unlink()
    (folder / "product_questions.tsv").write_text("text\nis this waterproof?\n")
    with pytest.raises(CommandError, match="clinc150_domains.json"):
        call_command("evaluate_intents", str(folder))


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_the_training_task_stores_a_classifier_through_the_worker(celery_worker_thread, monkeypatch):
    from assistant.tasks import train_intent_classifier

    monkeypatch.setattr(intents, "CATALOG_SEARCHES", 100)  # the pipeline, not the figures: a shorter fit

    call_command("load_intent_examples")
    before = IntentClassifier.objects.count()

    train_intent_classifier.delay()
    assert _wait_for(lambda: IntentClassifier.objects.count() > before, timeout=600)

    classifier = IntentClassifier.objects.latest()
    assert classifier.examples == IntentExample.objects.count()
    assert classifier.report["fingerprint"]
    # Sent again with nothing changed: no new classifier.
    assert train_intent_classifier.apply(throw=True).get() is None
    assert IntentClassifier.objects.count() == before + 1


def test_the_non_shopping_prior_multiplies_their_odds_against_shopping_labels_only():
    """The prior shifts the out-of-scope and chit-chat outputs, nothing else: their odds against a shopping
    label grow by exactly the prior, and their odds against each other stay."""
    rng = np.random.default_rng(0)
    names = ["out_of_scope", "chit_chat", "product_question", "product_search"]
    labels = names * 20
    vectors = rng.normal(size=(len(labels), 8)).astype(np.float32) + np.tile(np.eye(4, 8), (20, 1)) * 0.5
    plain = intents._fit(vectors, labels, non_shopping_prior=1.0)
    prior = 2.0
    tilted = intents._fit(vectors, labels, non_shopping_prior=prior)
    assert plain.labels == tilted.labels
    oos, chat, pq, ps = (plain.labels.index(name) for name in names)

    p, q = plain.probabilities(vectors), tilted.probabilities(vectors)

    def odds_change(a: int, b: int) -> np.ndarray:
        return (q[:, a] / q[:, b]) / (p[:, a] / p[:, b])

    np.testing.assert_allclose(odds_change(oos, pq), prior, rtol=1e-3)
    np.testing.assert_allclose(odds_change(chat, ps), prior, rtol=1e-3)
    np.testing.assert_allclose(odds_change(oos, chat), 1.0, rtol=1e-3)
    np.testing.assert_allclose(odds_change(pq, ps), 1.0, rtol=1e-3)


def test_cross_validation_applies_a_prior_exactly_as_the_fit_does_and_picks_within_a_standard_error_of_the_best():
    """The prior is chosen on out-of-fold probabilities of the training examples (never a dev file): shifting them
    after the fact must equal fitting with that prior, and the choice must be within one standard error of the
    grid's best balanced accuracy."""
    rng = np.random.default_rng(1)
    names = ["out_of_scope", "chit_chat", "product_question", "product_search"]
    labels = names * 20 + ["product_search"] * 40  # shopping over-represented, as in the shipped examples
    centres = np.tile(np.eye(4, 8), (20, 1)) * 0.5
    vectors = (
        rng.normal(size=(len(labels), 8)) + np.vstack([centres, np.tile(np.eye(4, 8)[3], (40, 1)) * 0.5])
    ).astype(np.float32)
    plain = intents._fit(vectors, labels, non_shopping_prior=1.0)
    tilted = intents._fit(vectors, labels, non_shopping_prior=2.5)
    np.testing.assert_allclose(
        intents._with_prior(plain.labels, plain.probabilities(vectors), 2.5), tilted.probabilities(vectors), rtol=1e-4
    )
    report = intents._cross_validate(vectors, labels)
    scores = report["balanced_accuracy_by_prior"]
    assert report["non_shopping_prior"] in intents.PRIOR_GRID
    errors = report["standard_error_by_prior"]
    best = max(scores, key=scores.get)
    assert scores[f"{report['non_shopping_prior']:g}"] >= scores[best] - errors[best] - 1e-4


def test_of_priors_that_cross_validation_cannot_tell_apart_the_one_closest_to_no_reweighting_wins():
    flat = {1.0: 0.9686, 1.5: 0.9686, 2.0: 0.9686, 2.5: 0.9690, 4.0: 0.9666}
    assert intents._one_standard_error(flat, dict.fromkeys(flat, 0.0015)) == 1.0
    # a clear winner (far beyond one standard error) is taken
    clear = {1.0: 0.90, 1.5: 0.93, 2.0: 0.96, 2.5: 0.95}
    assert intents._one_standard_error(clear, dict.fromkeys(clear, 0.005)) == 2.0
    # within the error of a clear best, the nearest to 1 of those close enough
    assert intents._one_standard_error(clear, dict.fromkeys(clear, 0.012)) == 2.0
    assert intents._one_standard_error(clear, dict.fromkeys(clear, 0.035)) == 1.5


@pytest.mark.django_db
def test_searches_generated_from_the_catalog_name_its_products(search_catalog):
    searches = intents.catalog_searches(200)
    assert len(searches) > 150 and {intent for _, intent, _ in searches} == {"product_search"}
    texts = " ".join(text for text, _, _ in searches)
    assert "hiking boots" in texts and "headphones" in texts  # the catalog's own categories


def test_generated_searches_share_the_weight_of_the_written_ones():
    labels = ["product_search"] * 4 + ["out_of_scope"] * 9 + ["product_search"] * 12
    generated = np.array([False] * 13 + [True] * 12)
    weights = intents._sample_weights(labels, generated)
    search = np.array([label == "product_search" for label in labels])
    # Each intent weighs sqrt(its written examples): 2 for searches, 3 for out of scope, however many are generated.
    assert weights[search].sum() / weights[~search].sum() == pytest.approx(2 / 3)
    plain = intents._sample_weights(labels[:13])
    assert plain[:4].sum() / plain[4:].sum() == pytest.approx(2 / 3)
