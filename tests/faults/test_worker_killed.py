"""The worker killed (kill -9) mid-embedding: a new worker completes the work, every vector current, none twice.

The embedding task commits each chunk of EMBEDDING_CHUNK_SIZE products with a compare-and-set on the content
hash it was made from. The killed worker's message stays unacknowledged in Redis (``acks_late``) and would
only come back after the broker's visibility timeout (an hour); the beat's stale-embedding sweep
(``embed_stale_products``) hands the rest to whichever worker runs next, and it starts after the last chunk
the dead worker committed.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.faults.conftest import CATALOG_SIZE, CHUNK_SIZE

pytestmark = pytest.mark.slow


def test_killed_worker_leaves_no_missing_stale_or_duplicate_vector(services_up):
    stack = services_up
    assert stack.embedding_counts() == (CATALOG_SIZE, CATALOG_SIZE)
    # A new model version, in effect: every vector is stale and the beat's sweep sends the work.
    stack.sql("UPDATE catalog_product SET embedding_hash = 'stale'")
    assert stack.embedding_counts() == (CATALOG_SIZE, 0)

    stack.wait_for(
        lambda: stack.embedding_counts()[1] >= CHUNK_SIZE,
        "the worker commits its first chunk",
        needs=("worker",),
        interval=0.01,  # a fast machine embeds the whole catalog in a second or two
    )
    stack.kill("worker")
    _, done_at_kill = stack.embedding_counts()
    assert CHUNK_SIZE <= done_at_kill < CATALOG_SIZE, "killed after the work was done: nothing was tested"
    # Committed chunks survive the kill, whole: a chunk is written in one transaction.
    assert done_at_kill % CHUNK_SIZE == 0
    rows_at_kill = dict(
        stack.sql("SELECT id, embedding::text FROM catalog_product WHERE embedding_hash = content_hash")
    )

    stack.start("worker")  # a new process, on the same queues
    stack.wait_for(
        lambda: stack.embedding_counts() == (CATALOG_SIZE, CATALOG_SIZE),
        "the restarted worker embeds the rest",
        needs=("worker", "beat"),
    )

    rows = stack.sql(
        "SELECT id, embedding::text, embedding_model, embedding_hash = content_hash, vector_dims(embedding)"
        " FROM catalog_product ORDER BY id"
    )
    assert len(rows) == CATALOG_SIZE
    assert all(model == settings.EMBEDDING_MODEL and current and dims == 384 for _, _, model, current, dims in rows)
    # One vector per product and no product carrying another's: all distinct.
    assert len({vector for _, vector, *_ in rows}) == CATALOG_SIZE
    # The dead worker's committed work was kept, not redone.
    by_id = {pk: vector for pk, vector, *_ in rows}
    assert all(by_id[pk] == vector for pk, vector in rows_at_kill.items())
