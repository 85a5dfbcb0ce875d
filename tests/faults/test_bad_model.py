"""A wrong EMBEDDING_MODEL stops web and worker processes as they start, with a message naming the variable.

Not at the first query: ShopguideConfig.ready checks that the model's files are here (offline) and fit the
database before gunicorn serves or Celery consumes anything. No stack is needed: the processes must stop
before they connect to anything, so their URLs point at a port nothing listens on (a process that got as
far as connecting would retry there until the timeout, and fail this test).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from django.conf import settings

from tests.faults.conftest import process_command
from tests.servers import free_port

pytestmark = pytest.mark.slow

MESSAGE = "EMBEDDING_MODEL='does-not-exist' could not be loaded offline"


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
def test_wrong_model_fails_at_start_naming_the_variable(tmp_path, process):
    nowhere = free_port()
    result = subprocess.run(
        process_command(process, port=free_port(), folder=tmp_path),
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://shopguide:x@127.0.0.1:{nowhere}/shopguide",
            "REDIS_URL": f"redis://127.0.0.1:{nowhere}/0",
            "EMBEDDING_MODEL": "does-not-exist",
            "HF_HUB_OFFLINE": "1",
        },
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert MESSAGE in output
    # It stopped before serving or consuming anything.
    if process == "web":
        assert "Worker failed to boot" in output
    assert "ready." not in output and "beat: Starting" not in output
