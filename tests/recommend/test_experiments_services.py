"""Starting, ending and promoting experiments; the live settings they leave behind."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from recommend.experiments import knobs, services
from recommend.experiments.knobs import Knobs
from recommend.models import Experiment, RankingSettings, Variant
from tests.recommend.experiments_setup import experiment

pytestmark = pytest.mark.django_db


def test_start_freezes_the_control_to_the_live_settings():
    services.ranking_settings_update(knobs=Knobs(dense_weight=1.5, keyword_weight=0.5, personalization=2.0))
    exp = experiment(B={"personalization": 0.0})
    assert exp.status == Experiment.Status.RUNNING and exp.started_at is not None
    control = exp.variants.get(is_control=True)
    assert Knobs.of(control) == Knobs(dense_weight=1.5, keyword_weight=0.5, personalization=2.0)


def test_only_one_experiment_runs_at_a_time():
    first = experiment("first")
    second = experiment("second", start=False)
    with pytest.raises(services.ExperimentError, match="“first” is running"):
        services.experiment_start(experiment=second)
    second.refresh_from_db()
    assert second.status == Experiment.Status.DRAFT
    # The database says so too, whatever path a write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Experiment.objects.filter(pk=second.pk).update(status=Experiment.Status.RUNNING)
    services.experiment_end(experiment=first)
    services.experiment_start(experiment=second)
    assert Experiment.objects.filter(status=Experiment.Status.RUNNING).get() == second


def test_a_start_needs_a_control_and_another_variant():
    exp = Experiment.objects.create(name="lonely")
    Variant.objects.create(experiment=exp, name="B", weight=50)
    with pytest.raises(services.ExperimentError, match="exactly one control"):
        services.experiment_start(experiment=exp)
    Variant.objects.create(experiment=exp, name="control", is_control=True, weight=50, dense_weight=0, keyword_weight=0)
    Variant.objects.filter(experiment=exp, name="B").update(dense_weight=0, keyword_weight=0)
    with pytest.raises(services.ExperimentError, match="fusion weight"):
        services.experiment_start(experiment=exp)
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.DRAFT


def test_end_and_promote_copies_the_knobs_and_ends():
    exp = experiment(B={"dense_weight": 0.25, "keyword_weight": 2.0, "personalization": 0.0, "recs_diversity": 4})
    winner = exp.variants.get(name="B")
    knobs.knobs_for(1)  # a snapshot with the experiment in it
    services.experiment_end(experiment=exp, promote=winner)
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.ENDED and exp.ended_at is not None
    assert exp.promoted_variant == winner
    promoted = Knobs(dense_weight=0.25, keyword_weight=2.0, personalization=0.0, recs_diversity=4)
    assert Knobs.of(RankingSettings.objects.get(pk=1)) == promoted
    # Every shopper now gets the promoted knobs, whatever their old variant.
    assert {knobs.knobs_for(pk) for pk in range(1, 40)} == {promoted}
    with pytest.raises(services.ExperimentError, match="only a running experiment"):
        services.experiment_end(experiment=exp)


def test_end_without_promoting_leaves_the_live_settings():
    services.ranking_settings_update(knobs=Knobs(personalization=0.5))
    exp = experiment(B={"personalization": 2.0})
    services.experiment_end(experiment=exp)
    assert RankingSettings.objects.get(pk=1).personalization == 0.5
    assert Experiment.objects.get(pk=exp.pk).promoted_variant is None
    assert {knobs.knobs_for(pk).personalization for pk in range(1, 40)} == {0.5}


def test_a_variant_of_another_experiment_cannot_be_promoted():
    other = experiment("other", start=False)
    exp = experiment("this one")
    with pytest.raises(services.ExperimentError, match="not part of this experiment"):
        services.experiment_end(experiment=exp, promote=other.variants.get(name="B"))
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.RUNNING


def test_the_live_settings_are_frozen_while_an_experiment_runs():
    experiment()
    with pytest.raises(services.ExperimentError, match="An experiment is running"):
        services.ranking_settings_update(knobs=Knobs(personalization=0.0))
    assert knobs.live_knobs().personalization == 1.0


def test_bad_knobs_are_refused():
    with pytest.raises(services.ExperimentError, match="fusion weight"):
        services.ranking_settings_update(knobs=Knobs(dense_weight=0.0, keyword_weight=0.0))
    with pytest.raises(services.ExperimentError):
        services.ranking_settings_update(knobs=Knobs(personalization=-1.0))
    assert not RankingSettings.objects.exists()


def test_the_change_reaches_other_processes_after_commit(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    before = cache.get(knobs.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.ranking_settings_update(knobs=Knobs(personalization=0.5))
    assert cache.get(knobs.VERSION_KEY) != before
