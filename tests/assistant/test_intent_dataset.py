"""Intent examples from a public dataset's train split (``load_intent_examples --dataset DIR``): how its lines
map to the assistant's intents, what is left out, a seeded sample, idempotent rows a retrain keeps, and a dev or
test folder refused. The folder here is written by the test (nothing of a dataset ships with the project)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from assistant import intents
from assistant.models import IntentExample

DOMAINS = {"small_talk": ["greeting"], "travel": ["book_flight"], "home": ["order", "play_music"], "meta": ["yes"]}


@pytest.fixture
def train_folder(tmp_path):
    folder = tmp_path / "nlu" / "train"
    folder.mkdir(parents=True)
    (tmp_path / "nlu" / "clinc150_domains.json").write_text(json.dumps(DOMAINS))
    bitext = ["text\tintent\tcategory"] + [f"where is parcel {i}\ttrack_order\tDELIVERY" for i in range(30)]
    bitext += ["i want my money back for parcel 99\tget_refund\tREFUND", "odd line\tsomething\tNOT_A_CATEGORY"]
    (folder / "bitext.tsv").write_text("\n".join(bitext) + "\n")
    clinc = ["text\tintent"] + [f"book a flight to city {i}\tbook_flight" for i in range(30)]
    clinc += [
        "hello there, robot number nine\tgreeting",
        "what is the meaning of spoons\toos",
        "order more paper towels\torder",
    ]
    clinc += ["play some jazz for robot nine\tplay_music", "yes please\tyes", "an unknown intent\tnot_in_domains"]
    (folder / "clinc150.tsv").write_text("\n".join(clinc) + "\n")
    return folder


def test_dataset_lines_map_to_the_assistants_intents(train_folder):
    rows = intents.dataset_examples(train_folder, domains=DOMAINS, per_intent=20)
    by_text = {text: (intent, category) for text, intent, category in rows}
    assert by_text["i want my money back for parcel 99"] == ("customer_service", "REFUND")
    assert by_text["hello there, robot number nine"] == ("chit_chat", "")
    assert by_text["what is the meaning of spoons"] == ("out_of_scope", "")
    assert by_text["play some jazz for robot nine"] == ("out_of_scope", "")
    # Ordering is shopping in a shop; "yes" answers the assistant; unknown categories and intents are left out.
    for left_out in ("order more paper towels", "yes please", "odd line", "an unknown intent"):
        assert left_out not in by_text
    # 20 of each dataset intent, the same 20 every time.
    assert sum(1 for _, (i, c) in by_text.items() if c == "DELIVERY") == 20
    assert sum(1 for t in by_text if t.startswith("book a flight")) == 20
    assert rows == intents.dataset_examples(train_folder, domains=DOMAINS, per_intent=20)


@pytest.mark.django_db
def test_the_command_loads_them_idempotently_beside_the_shipped_rows(train_folder):
    call_command("load_intent_examples", dataset=train_folder, per_intent=5)
    dataset = IntentExample.objects.filter(source=IntentExample.Source.DATASET)
    first = set(dataset.values_list("text", "intent", "category"))
    assert len(first) == 5 + 1 + 1 + 1 + 5 + 1  # parcels, refund, greeting, oos, flights, music
    assert IntentExample.objects.filter(source=IntentExample.Source.SHIPPED).count() == len(intents.shipped_examples())
    call_command("load_intent_examples", dataset=train_folder, per_intent=5)
    assert set(dataset.values_list("text", "intent", "category")) == first
    assert {text for text, *_ in intents._training_rows()} >= {text for text, *_ in first}  # a retrain keeps them


@pytest.mark.django_db
def test_a_dev_or_test_folder_is_refused(tmp_path):
    for split in ("dev", "test"):
        (tmp_path / split).mkdir()
        with pytest.raises(CommandError, match="train split only"):
            call_command("load_intent_examples", dataset=tmp_path / split)
