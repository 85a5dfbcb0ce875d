"""Building experiments for the tests in test_experiments_*.py."""

from __future__ import annotations

import uuid

from profiles.models import Shopper
from recommend.experiments import knobs, services
from recommend.models import Experiment, Variant


def experiment(name: str = "Fusion test", *, start: bool = True, **variants: dict) -> Experiment:
    """An experiment with a control (weight 50) and the given variants (name → knob fields, weight)."""
    exp = Experiment.objects.create(name=name, description="does it help?")
    Variant.objects.create(experiment=exp, name="control", is_control=True, weight=50)
    for variant_name, fields in (variants or {"B": {}}).items():
        Variant.objects.create(experiment=exp, name=variant_name, **{"weight": 50, **fields})
    if start:
        services.experiment_start(experiment=exp)
    return exp


def shoppers_in(exp: Experiment, variant_name: str, count: int) -> list[Shopper]:
    """``count`` new anonymous shoppers whom the experiment's hash puts in ``variant_name``."""
    variants = list(exp.variants.order_by("id"))
    upper = knobs.bounds([v.weight for v in variants])
    out: list[Shopper] = []
    while len(out) < count:
        shopper = Shopper.objects.create(session_key=uuid.uuid4().hex)
        if variants[knobs.arm_index(exp.salt, shopper.pk, upper)].name == variant_name:
            out.append(shopper)
        else:
            shopper.delete()
    return out
