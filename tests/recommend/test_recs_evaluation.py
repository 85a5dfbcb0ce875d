"""``manage.py evaluate_recommendations`` on small synthetic histories where the next item is predictable.

Shoppers walk "routines" (a hobby's starter guide, then its gloves, bag, …, round again) with some noise
in between; what a shopper picks next is the routine's next step. The command trains the shop's recommender (real
title embeddings, the graph, transitions) and must beat plain popularity on this.
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.slow

HOBBIES = [
    "Hiking", "Baking", "Cycling", "Yoga", "Fishing", "Painting", "Gardening", "Swimming", "Camping", "Coffee",
    "Knitting", "Skiing", "Photography", "Chess", "Surfing", "Climbing", "Sewing", "Pottery", "Golf", "Tennis",
    "Boxing", "Woodworking", "Aquarium", "Birdwatching", "Guitar", "Astronomy", "Archery", "Calligraphy",
    "Beekeeping", "Skateboarding",
]  # fmt: skip
STEPS = ["starter guide", "gloves", "carry bag", "maintenance kit", "display stand", "cleaning spray"]
USERS = 300


def item_id(hobby: int, step: int) -> str:
    return f"i{hobby:02d}{step}"


def write_dataset(folder: Path, *, holdout_users: int = 0) -> dict[str, str]:
    """sequences.txt and items.tsv in ``folder``; with ``holdout_users``, the first that many users' next
    step is returned (user → item) instead of being the last item of their line."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "items.tsv").open("w", encoding="utf-8") as handle:
        handle.write("item_id\ttitle\n")
        for h, hobby in enumerate(HOBBIES):
            for s, step in enumerate(STEPS):
                handle.write(f"{item_id(h, s)}\t{hobby} {step}\n")
    held: dict[str, str] = {}
    lines = []
    for u in range(USERS):
        hobby = u % len(HOBBIES)
        # A routine is a cycle (the spray runs out, the starter guide has a new edition): shoppers join it
        # at any step and walk on, so every step is someone's next step and someone else's history.
        length = rng.randint(3, len(STEPS) - 1)
        start = rng.randrange(len(STEPS))
        path = [item_id(hobby, (start + k) % len(STEPS)) for k in range(length)]
        if rng.random() < 0.4:  # a detour early on: something from another hobby
            path.insert(rng.randint(0, length - 2), item_id(rng.randrange(len(HOBBIES)), rng.randrange(len(STEPS))))
        user = f"u{u:03d}"
        if u < holdout_users:
            held[user] = item_id(hobby, (start + length) % len(STEPS))  # the next step, after the whole line
        lines.append(f"{user} {' '.join(path)}\n")
    lines.append("u999 i000\n")  # one item only: nothing to predict without a hold-out, so skipped
    (folder / "sequences.txt").write_text("".join(lines), encoding="utf-8")
    return held


def evaluate(folder: Path, *args: str) -> tuple[dict, str]:
    out = io.StringIO()
    call_command("evaluate_recommendations", str(folder), "--json", *args, stdout=out, verbosity=0)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


def test_shopguide_beats_popularity_on_predictable_histories(tmp_path, embedding_model):
    write_dataset(tmp_path)

    result, text = evaluate(tmp_path)

    assert set(result) == {"hr@10", "ndcg@10", "users", "baseline"}
    assert set(result["baseline"]) == {"popularity", "item_knn"}
    for scores in result["baseline"].values():
        assert set(scores) == {"hr@10", "ndcg@10"}
    assert result["users"] == USERS  # the one-item line has nothing to predict
    assert result["hr@10"] > 0.9  # the next step follows the previous one for every shopper
    assert result["hr@10"] > result["baseline"]["popularity"]["hr@10"] + 0.5
    assert 0 < result["ndcg@10"] <= result["hr@10"]
    assert f"{USERS:,} shoppers, {len(HOBBIES) * len(STEPS)} items" in text
    assert "shopguide" in text and "popularity" in text and "item_knn" in text


def test_a_holdout_file_names_the_items_to_find(tmp_path, embedding_model):
    held = write_dataset(tmp_path, holdout_users=60)
    holdout = tmp_path / "holdout.tsv"
    rows = "".join(f"{user}\t{item}\n" for user, item in held.items())
    holdout.write_text("user_id\titem_id\n" + rows + "u999\tnever-seen\n", encoding="utf-8")

    result, text = evaluate(tmp_path, "--holdout", str(holdout))

    assert result["users"] == len(held) + 1  # the one-item shopper counts: a history and a target
    assert "1 held-out items never seen in any history (misses)" in text
    assert result["hr@10"] > result["baseline"]["popularity"]["hr@10"] + 0.5


def test_shoppers_the_holdout_does_not_name_still_train_the_recommender(tmp_path, embedding_model):
    # One shopper per hobby is scored; what they do next is learnt only from the other shoppers' lines.
    held = write_dataset(tmp_path, holdout_users=len(HOBBIES))
    holdout = tmp_path / "holdout.tsv"
    holdout.write_text("user_id\titem_id\n" + "".join(f"{u}\t{i}\n" for u, i in held.items()), encoding="utf-8")

    result, text = evaluate(tmp_path, "--holdout", str(holdout))

    assert result["users"] == len(HOBBIES)
    assert f"{USERS + 1 - len(HOBBIES)} more shoppers' lines for training only" in text
    assert result["hr@10"] > 0.9
    assert result["baseline"]["item_knn"]["hr@10"] > 0.9


def test_a_malformed_holdout_line_names_the_file_and_line(tmp_path):
    write_dataset(tmp_path)
    holdout = tmp_path / "holdout.tsv"
    holdout.write_text("user_id\titem_id\nu000\ti001\nu001 i002\n", encoding="utf-8")

    with pytest.raises(CommandError, match=rf"^{re.escape(str(holdout))}:3: expected user_id<TAB>item_id"):
        evaluate(tmp_path, "--holdout", str(holdout))


def test_a_holdout_user_without_history_is_refused(tmp_path):
    write_dataset(tmp_path)
    holdout = tmp_path / "holdout.tsv"
    holdout.write_text("user_id\titem_id\nnobody\ti001\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 users have no history .* e.g. nobody"):
        evaluate(tmp_path, "--holdout", str(holdout))


def test_a_missing_holdout_file_is_named(tmp_path):
    write_dataset(tmp_path)
    missing = tmp_path / "nope.tsv"

    with pytest.raises(CommandError, match=f"{re.escape(str(missing))} does not exist"):
        evaluate(tmp_path, "--holdout", str(missing))


def test_a_missing_items_file_is_named(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / "items.tsv").unlink()

    with pytest.raises(CommandError, match=rf"^{re.escape(str(tmp_path / 'items.tsv'))} is missing"):
        evaluate(tmp_path)


def test_an_items_file_without_its_header_is_refused(tmp_path):
    write_dataset(tmp_path)
    items = tmp_path / "items.tsv"
    items.write_text("i000\tHiking starter guide\n", encoding="utf-8")

    with pytest.raises(CommandError, match=rf"^{re.escape(str(items))}:1: expected a header starting with item_id"):
        evaluate(tmp_path)
