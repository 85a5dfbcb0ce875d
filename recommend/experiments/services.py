"""Writes: the live ranking settings, starting an experiment, ending it (and promoting a variant)."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from recommend.experiments import knobs as knobs_module
from recommend.experiments.knobs import Knobs
from recommend.models import Experiment, RankingSettings, Variant

KNOB_FIELDS = tuple(asdict(Knobs()).keys())


class ExperimentError(Exception):
    """The experiment's state forbids the action (the message is for the merchandiser)."""


def _validate_knobs(knobs: Knobs) -> None:
    row = RankingSettings(**asdict(knobs))
    try:
        row.full_clean(exclude=["id", "updated_at"])
    except ValidationError as error:
        raise ExperimentError("; ".join(error.messages)) from error


def _changed() -> None:
    # This process forgets its snapshot now; every process reloads once the change has committed.
    knobs_module.reset()
    transaction.on_commit(knobs_module.bump)


def ranking_settings_update(*, knobs: Knobs) -> RankingSettings:
    """Replace the live knobs (not while an experiment runs: its control is the live settings)."""
    _validate_knobs(knobs)
    with transaction.atomic():
        row = _settings_for_update()  # the lock experiment_start takes too: one waits for the other
        if Experiment.objects.filter(status=Experiment.Status.RUNNING).exists():
            raise ExperimentError(
                "An experiment is running: end it (or promote a variant) to change the live settings."
            )
        _write_knobs(row, knobs)
        _changed()
    return row


def _settings_for_update() -> RankingSettings:
    RankingSettings.objects.get_or_create(pk=1)
    return RankingSettings.objects.select_for_update().get(pk=1)


def _write_knobs(row: RankingSettings | Variant, knobs: Knobs) -> None:
    for name, value in asdict(knobs).items():
        setattr(row, name, value)
    fields = list(KNOB_FIELDS) + (["updated_at"] if isinstance(row, RankingSettings) else [])
    row.save(update_fields=fields)


def experiment_start(*, experiment: Experiment) -> Experiment:
    """draft → running. Needs a control and at least one other variant; the control gets the live knobs."""
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if locked.status != Experiment.Status.DRAFT:
            raise ExperimentError(f"“{locked.name}” is {locked.status}: only a draft can start.")
        variants = list(locked.variants.all())
        controls = [v for v in variants if v.is_control]
        if len(controls) != 1 or len(variants) < 2:
            raise ExperimentError("An experiment needs exactly one control and at least one other variant.")
        if sum(v.weight for v in variants) <= 0 or controls[0].weight == 0:
            raise ExperimentError("Give the control and at least one variant some traffic weight.")
        for variant in variants:
            _validate_knobs(Knobs.of(variant))
        running = Experiment.objects.filter(status=Experiment.Status.RUNNING).first()
        if running is not None:
            raise ExperimentError(f"“{running.name}” is running: end it first (one experiment at a time).")
        _write_knobs(controls[0], knobs_module.Knobs.of(_settings_for_update()))
        locked.status = Experiment.Status.RUNNING
        locked.started_at = timezone.now()
        locked.ended_at = None
        try:
            with transaction.atomic():  # a concurrent start loses on the partial unique index
                locked.save(update_fields=["status", "started_at", "ended_at"])
        except IntegrityError as error:
            raise ExperimentError("Another experiment has just started: one experiment at a time.") from error
        _changed()
    experiment.refresh_from_db()
    return experiment


def experiment_end(*, experiment: Experiment, promote: Variant | None = None) -> Experiment:
    """running → ended; with ``promote``, that variant's knobs become the live settings in the same transaction."""
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if locked.status != Experiment.Status.RUNNING:
            raise ExperimentError(f"“{locked.name}” is {locked.status}: only a running experiment can end.")
        if promote is not None:
            variant = Variant.objects.filter(pk=promote.pk, experiment=locked).first()
            if variant is None:
                raise ExperimentError("That variant is not part of this experiment.")
            _write_knobs(_settings_for_update(), Knobs.of(variant))
            locked.promoted_variant = variant
        locked.status = Experiment.Status.ENDED
        locked.ended_at = timezone.now()
        locked.save(update_fields=["status", "ended_at", "promoted_variant"])
        _changed()
    experiment.refresh_from_db()
    return experiment
