"""Small matrix products on the request path (the understanding tagger, the intent head) in one BLAS thread.

OpenBLAS wakes its thread pool for every product, however small, and ONNX Runtime's threads are still spinning
from the encoder pass just before: on two cores the two pools fight, and a 0.3 ms product took ~30 ms
(bench/understanding_latency.py, BENCHMARKS.md "Understanding"). One thread for these products avoids the fight;
large products elsewhere (training, recommendations) keep every thread. The limit is process-wide while it is
held: in a threaded web process, overlapping holds can leave BLAS at one thread afterwards, which suits the
small products a web process makes (the trade-off is in BENCHMARKS.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@contextmanager
def one_thread() -> Iterator[None]:
    with _controller().limit(limits=1, user_api="blas"):
        yield
