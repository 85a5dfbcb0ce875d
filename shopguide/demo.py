"""`make demo`: everything a shop needs, in the foreground, stopped by one Ctrl-C.

Starts (or reuses) the embedded Postgres and Redis unless DATABASE_URL / REDIS_URL are set,
migrates, creates the merchandiser account, generates the demo catalog and shoppers the first time,
embeds what is stale, fills the analytics history, then runs gunicorn, a Celery worker and Celery beat until interrupted.
Every child gets the service URLs in its environment, so only this process holds the embedded
servers, and they stop when it does.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shopguide import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_USERNAME = "admin"
MERCHANDISER_USERNAME = "merchandiser"


def log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def ensure_services() -> None:
    if not os.environ.get("DATABASE_URL"):
        log("starting embedded Postgres 16 + pgvector under .data/pg")
        os.environ["DATABASE_URL"] = embedded.postgres_url()
    if not os.environ.get("REDIS_URL"):
        log("starting embedded Redis under .data/redis")
        os.environ["REDIS_URL"] = embedded.redis_url()


def ensure_admin() -> tuple[str, str]:
    from django.contrib.auth import get_user_model

    secret_file = embedded.data_dir() / "demo-admin-password"
    password = os.environ.get("DEMO_ADMIN_PASSWORD") or (
        secret_file.read_text().strip() if secret_file.exists() else secrets.token_urlsafe(12)
    )
    user, _ = get_user_model().objects.get_or_create(username=ADMIN_USERNAME, defaults={"email": "admin@example.com"})
    if not user.check_password(password) or not user.is_staff:
        user.set_password(password)
        user.is_staff = True
        user.is_superuser = True
        user.save()
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    ensure_merchandiser(password)
    return ADMIN_USERNAME, password


def ensure_merchandiser(password: str) -> None:
    """A staff account in the Merchandiser group (shopguide/roles.py), same password: what a merchandiser sees."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from shopguide.roles import MERCHANDISER, merchandiser_group_sync

    merchandiser_group_sync()
    user, _ = get_user_model().objects.get_or_create(
        username=MERCHANDISER_USERNAME, defaults={"email": "merchandiser@example.com"}
    )
    if not user.check_password(password) or not user.is_staff or user.is_superuser:
        user.set_password(password)
        user.is_staff, user.is_superuser = True, False
        user.save()
    user.groups.add(Group.objects.get(name=MERCHANDISER))


def prepare() -> tuple[str, str]:
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")
    django.setup()
    from catalog.models import Product

    log("migrating")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    credentials = ensure_admin()
    if Product.objects.filter(sku__startswith="DEMO-").count() < settings.DEMO_PRODUCTS:
        log(f"generating the demo catalog ({settings.DEMO_PRODUCTS} products, {settings.DEMO_SHOPPERS} shoppers)")
        call_command("generate_demo_catalog", products=settings.DEMO_PRODUCTS, shoppers=settings.DEMO_SHOPPERS)
    else:
        log("demo catalog already present")
    call_command("embed_products")
    # Recommendations read precomputed signals: item neighbours and trending now (seconds), the graph
    # vectors by the worker once it is up (about a minute on the demo) when none were trained yet.
    call_command("train_recommendations")
    # The assistant: shipped FAQ entries (embedded now: a few dozen) and intent examples; the classifier is trained
    # before the analytics replay, so the replayed searches' log rows carry their dialogue act. A sample of the
    # public Bitext and CLINC150 train splits joins them where those files are (INTENT_DATASET_DIR; BENCHMARKS.md).
    call_command("load_faq", embed=True)
    call_command("load_intent_examples")
    dataset = Path(settings.INTENT_DATASET_DIR) if settings.INTENT_DATASET_DIR else None
    if dataset is not None and (dataset / "clinc150.tsv").is_file() and (dataset / "bitext.tsv").is_file():
        call_command("load_intent_examples", dataset=dataset, per_intent=settings.INTENT_DATASET_PER_INTENT)
    else:
        log("no public intent train splits found (INTENT_DATASET_DIR): the shipped examples alone")
    from assistant.intents import intent_train_if_stale

    log("training the intent classifier unless it is current (a few minutes, once)")
    intent_train_if_stale()
    # The analytics page: the demo shoppers' searches replayed through the engine as search logs, and their
    # impressions (a minute or two the first time; later starts find everything logged and add nothing).
    call_command("generate_demo_analytics")
    from profiles.models import ProductGraphVector
    from profiles.tasks import train_graph_embeddings

    if not ProductGraphVector.objects.exists():
        log("graph embeddings will be trained by the worker (about a minute)")
        train_graph_embeddings.delay()
    return credentials


def spawn(port: int) -> list[subprocess.Popen]:
    from django.conf import settings

    env = dict(os.environ)
    commands = [
        [str(BIN / "gunicorn"), "shopguide.wsgi", "--config", str(BASE_DIR / "shopguide" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}"],
        [str(BIN / "celery"), "-A", "shopguide", "worker", "--queues", ",".join(settings.CELERY_QUEUES_ALL), "--pool", "threads",
         "--concurrency", "2", "--loglevel", "INFO", "--hostname", "demo@%h"],
        [str(BIN / "celery"), "-A", "shopguide", "beat", "--loglevel", "INFO",
         "--schedule", str(embedded.data_dir() / "celerybeat-schedule")],
    ]  # fmt: skip
    return [subprocess.Popen(c, cwd=BASE_DIR, env=env) for c in commands]


def wait_until_up(url: str, children: list[subprocess.Popen], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except Exception:
            time.sleep(0.5)
    return False


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    embedded.stop_redis()
    embedded.stop_postgres()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    started = time.monotonic()
    # Ctrl-C and SIGTERM stop preparation too; set explicitly, since a shell that starts us in the
    # background hands us SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        ensure_services()
        username, password = prepare()
    except KeyboardInterrupt:
        log("interrupted while preparing; stopping")
        stop([])
        return 130
    children = spawn(port)
    interrupted = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if not wait_until_up(f"http://127.0.0.1:{port}/healthz", children):
            log("the web server did not come up; see the messages above")
            return 1
        else:
            log(f"ShopGuide is up in {time.monotonic() - started:.0f}s: http://127.0.0.1:{port}/")
            log(f"admin: http://127.0.0.1:{port}/admin/  user {username!r}  password {password!r}")
            log(f"  (or as a merchandiser: user {MERCHANDISER_USERNAME!r}, same password)")
            log(f"API docs: http://127.0.0.1:{port}/api/docs/   health: http://127.0.0.1:{port}/healthz")
            log("press Ctrl-C to stop everything")
        while not interrupted and all(c.poll() is None for c in children):
            time.sleep(0.5)
        if not interrupted:
            log("a process exited unexpectedly; stopping the rest")
    finally:
        log("stopping")
        stop(children)
        log("stopped")
    return 0 if interrupted else 1


if __name__ == "__main__":
    sys.exit(main())
