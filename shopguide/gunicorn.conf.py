"""gunicorn settings for the demo and for production (override with GUNICORN_* variables).

Production: ``DJANGO_SETTINGS_MODULE=shopguide.settings_production gunicorn -c shopguide/gunicorn.conf.py``
(README "Serving in production"); whitenoise serves the collected static files from the same processes.
"""

from __future__ import annotations

import os

wsgi_app = "shopguide.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread, answering a too-long request line or too-large headers in JSON, as the app answers (gunicorn_worker.py)
worker_class = "shopguide.gunicorn_worker.JsonErrorThreadWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1" else None
max_requests = 5000
# The longest request line gunicorn reads (method, path and query string); longer gets its own HTML 414 before the
# app sees anything. 8190 is gunicorn's maximum short of 0 (no limit: its pure-Python parser would then buffer an
# endless line). A search query the app would refuse anyway (over recommend.search.parser.MAX_QUERY_LENGTH
# characters) fits below it, so the app answers such queries with its own JSON 400 query_too_long.
limit_request_line = 8190
max_requests_jitter = 500
