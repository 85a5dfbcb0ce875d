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
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1" else None
max_requests = 5000
max_requests_jitter = 500
