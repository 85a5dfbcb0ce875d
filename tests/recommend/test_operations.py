"""Back-office operations started in admin run in a real Celery worker; progress and results land on the
run's row; a run interrupted mid-way resumes without redoing or losing work."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from catalog import services
from catalog.models import Product
from recommend import operations
from recommend.models import OperationRun
from shopguide import embedding
from shopguide.roles import MERCHANDISER
from tests.concurrency import run_at_once
from tests.conftest import SEARCH_CATALOG
from tests.factories import UserFactory


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _merchandiser() -> Client:
    user = UserFactory(username="mia", is_staff=True)
    user.groups.add(Group.objects.get(name=MERCHANDISER))
    client = Client()
    client.force_login(user)
    return client


def _done(run_id: int) -> bool:
    return OperationRun.objects.get(pk=run_id).status in (OperationRun.Status.SUCCEEDED, OperationRun.Status.FAILED)


@pytest.mark.slow
def test_reembed_and_vocabulary_rebuild_from_admin_through_the_worker(celery_worker_thread):
    services.product_upsert_many(items=SEARCH_CATALOG, embed=False)
    services.product_embed()
    client = _merchandiser()
    page = client.get(reverse("admin:recommend_operationrun_changelist")).content.decode()
    assert "Re-embed every product" in page and "Rebuild the query vocabulary" in page

    client.post(reverse("admin:recommend_operationrun_start"), {"kind": "reembed"})
    run = OperationRun.objects.get(kind="reembed")
    assert _wait_for(lambda: _done(run.pk))
    run.refresh_from_db()
    assert (run.status, run.progress, run.result["products"]) == ("succeeded", 100, len(SEARCH_CATALOG))
    assert run.message == f"embedded {len(SEARCH_CATALOG)} products"
    assert not Product.objects.embedding_stale(embedding.model_name()).exists()

    client.post(reverse("admin:recommend_operationrun_start"), {"kind": "rebuild_vocabulary"})
    run = OperationRun.objects.get(kind="rebuild_vocabulary")
    assert _wait_for(lambda: _done(run.pk))
    run.refresh_from_db()
    assert run.status == "succeeded" and run.result["phrases"] > 100
    listing = client.get(reverse("admin:recommend_operationrun_changelist")).content.decode()
    assert "vocabulary rebuilt" in listing


@pytest.mark.django_db
def test_an_interrupted_reembed_resumes_without_redoing_finished_products(embedding_model):
    services.product_upsert_many(items=SEARCH_CATALOG, embed=False)
    services.product_embed()
    done = list(Product.objects.order_by("id").values_list("id", "embedding_hash"))[:4]
    # The first attempt cleared every hash and embedded four products before the worker died.
    run = OperationRun.objects.create(kind="reembed", status="running", attempts=1)
    Product.objects.exclude(pk__in=[pk for pk, _ in done]).update(embedding_hash="")

    operations.operation_execute(run_id=run.pk)  # the redelivered task

    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempts == 2
    assert run.result["products"] == len(SEARCH_CATALOG) - 4  # only what was left
    assert not Product.objects.embedding_stale(embedding.model_name()).exists()
    assert list(Product.objects.order_by("id").values_list("id", "embedding_hash"))[:4] == done


@pytest.mark.django_db
def test_one_run_per_kind_at_a_time_and_a_finished_run_is_not_rerun(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as sent:
        first = operations.operation_start(kind="rebuild_vocabulary")
        second = operations.operation_start(kind="rebuild_vocabulary")
    assert first.pk == second.pk and len(sent) == 1
    OperationRun.objects.filter(pk=first.pk).update(status="succeeded")
    assert operations.operation_execute(run_id=first.pk).status == "succeeded"
    assert OperationRun.objects.get(pk=first.pk).attempts == 0  # not run again
    with pytest.raises(operations.OperationError):
        operations.operation_start(kind="drop_tables")


@pytest.mark.django_db(transaction=True)
def test_two_merchandisers_clicking_at_once_start_one_run(monkeypatch):
    """Both requests see no active run; the database's constraint lets one insert win and the other gets it."""
    sent: list[int] = []
    monkeypatch.setattr(operations, "_send", lambda run: sent.append(run.pk))
    runs = run_at_once(lambda: operations.operation_start(kind="reembed").pk, threads=3)
    assert len(runs) == 3 and len(set(runs)) == 1
    assert OperationRun.objects.filter(kind="reembed").count() == 1
    assert sent == runs[:1]  # queued once
    # Once it has finished, the next click starts a new run.
    OperationRun.objects.filter(pk=runs[0]).update(status="succeeded")
    assert operations.operation_start(kind="reembed").pk != runs[0]


@pytest.mark.django_db
def test_shoppers_cannot_start_operations():
    shopper = Client()
    shopper.force_login(UserFactory(username="sam"))
    response = shopper.post(reverse("admin:recommend_operationrun_start"), {"kind": "reembed"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not OperationRun.objects.exists()
