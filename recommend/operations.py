"""Back-office operations a merchandiser starts from admin — re-embed the catalog, retrain the graph model,
rebuild the query vocabulary — each run by a Celery worker, with its progress and result on an
``OperationRun`` row that admin shows.

Started with ``operation_start`` (the task is sent when the transaction commits); executed by
``operation_execute`` in the worker. A worker that dies mid-run leaves the task unacknowledged (acks_late):
the redelivered task resumes — re-embedding continues with the products still stale, the graph model and
vocabulary are rebuilt whole — so a crash never leaves the work half done.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from recommend.models import OperationRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
QUEUES = {
    OperationRun.Kind.REEMBED: "embeddings",
    OperationRun.Kind.RETRAIN_GRAPH: "training",
    OperationRun.Kind.REBUILD_VOCABULARY: "training",
}


class OperationError(Exception):
    pass


def operation_start(*, kind: str, requested_by_id: int | None = None) -> OperationRun:
    """Queue one operation, unless the same kind is already queued or running (that run is returned)."""
    if kind not in OperationRun.Kind.values:
        raise OperationError(f"unknown operation {kind!r}")
    active = OperationRun.objects.filter(
        kind=kind, status__in=[OperationRun.Status.QUEUED, OperationRun.Status.RUNNING]
    )
    try:
        with transaction.atomic():
            run = OperationRun.objects.create(kind=kind, requested_by_id=requested_by_id)
            transaction.on_commit(lambda: _send(run))
    except IntegrityError:  # one is queued or running (the constraint one_active_operation_per_kind)
        existing = active.first()
        if existing is None:  # it finished between the two statements: start again
            return operation_start(kind=kind, requested_by_id=requested_by_id)
        return existing
    return run


def _send(run: OperationRun) -> None:
    from recommend.tasks import run_operation

    run_operation.apply_async(args=[run.pk], queue=QUEUES[run.kind])


def operation_execute(*, run_id: int) -> OperationRun | None:
    """Run it (in the worker). Idempotent: a finished run is not run again; a redelivered one resumes."""
    claimed = OperationRun.objects.filter(
        Q(status=OperationRun.Status.QUEUED) | Q(status=OperationRun.Status.RUNNING),
        pk=run_id,
        attempts__lt=MAX_ATTEMPTS,
    ).update(
        status=OperationRun.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        message="started",
    )
    run = OperationRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    if not claimed:
        if run.status == OperationRun.Status.RUNNING:  # redelivered too often: give up, and say so
            _finish(run, OperationRun.Status.FAILED, f"gave up after {run.attempts} attempts", {})
        return run
    try:
        result = RUNNERS[run.kind](run)
    except TRANSIENT:
        OperationRun.objects.filter(pk=run.pk).update(message="interrupted (database or broker); retrying")
        raise  # the task retries with backoff and resumes
    except Exception as error:
        logger.exception("operation %s failed", run.pk)
        _finish(run, OperationRun.Status.FAILED, f"failed: {error}", {})
        return run
    _finish(run, OperationRun.Status.SUCCEEDED, result.pop("message", "done"), result)
    return run


def _finish(run: OperationRun, status: str, message: str, result: dict[str, Any]) -> None:
    OperationRun.objects.filter(pk=run.pk).update(
        status=status,
        message=message[:500],
        result=result,
        progress=100 if status == OperationRun.Status.SUCCEEDED else F("progress"),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()


def _progress(run: OperationRun, done: int, total: int, what: str) -> None:
    percent = int(100 * done / total) if total else 100
    OperationRun.objects.filter(pk=run.pk).update(progress=min(99, percent), message=f"{what}: {done:,} of {total:,}")


def _reembed(run: OperationRun) -> dict[str, Any]:
    from catalog import services
    from catalog.models import Product

    if run.attempts == 1:
        # Every vector is remade (a new model, or text changed outside the app); a resumed run only finishes.
        Product.objects.exclude(embedding_hash="").update(embedding_hash="")
    written = services.product_embed(on_progress=lambda done, total: _progress(run, done, total, "embedded"))
    return {"message": f"embedded {written:,} products", "products": written}


def _retrain_graph(run: OperationRun) -> dict[str, Any]:
    from profiles import graph

    OperationRun.objects.filter(pk=run.pk).update(message="training the graph model", progress=10)
    report = graph.graph_train(epochs=settings.GRAPH_TRAIN_EPOCHS)
    if report.skipped:
        return {"message": f"skipped: {report.skipped}", "skipped": report.skipped}
    data = {k: v for k, v in asdict(report).items() if isinstance(v, (int, float, str, bool)) or v is None}
    return {"message": "graph model retrained", **data}


def _rebuild_vocabulary(run: OperationRun) -> dict[str, Any]:
    from catalog.services import catalog_version_bump
    from recommend.search import vocabulary

    catalog_version_bump()  # every process drops its vocabulary and loads the one built here
    version = vocabulary.catalog_version()
    vocabulary.reset()
    built = vocabulary.load_or_build(version)
    return {"message": f"vocabulary rebuilt: {len(built.phrases):,} phrases", "phrases": len(built.phrases)}


RUNNERS = {
    OperationRun.Kind.REEMBED: _reembed,
    OperationRun.Kind.RETRAIN_GRAPH: _retrain_graph,
    OperationRun.Kind.REBUILD_VOCABULARY: _rebuild_vocabulary,
}
