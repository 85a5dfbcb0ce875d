"""The dialogue act of a message: what the shopper is doing (searching, asking about a product, comparing, asking
customer service, chatting, or asking something a shop does not do), read from the sentence vector of the
message (the vector the understanding step's encoder pass gives).

The classifier is the learned intent head (``manage.py train_intents``, trained on the intent examples and chosen
by cross-validation: ``assistant.intents``). The assistant app registers it when it loads (``assistant.apps``), so
the pipeline reads the act without importing the assistant. With none registered (an installation without the
assistant), or none trained yet, the act is unknown ("").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Act:
    name: str  # an intent: product_search, product_question, comparison, customer_service, chit_chat, out_of_scope
    confidence: float  # 0..1
    unsure: bool  # below the classifier's cross-validated threshold


Classifier = Callable[[np.ndarray], "Act | None"]
_classifier: list[Classifier] = []  # at most one: the registered classifier


def register(classifier: Classifier) -> None:
    """Read acts with ``classifier`` (a function of one sentence vector) from now on."""
    _classifier[:] = [classifier]


def of_vector(vector: np.ndarray) -> Act | None:
    """The act of the message whose sentence vector is ``vector``; None when no classifier can say."""
    return _classifier[0](vector) if _classifier else None
