"""A wrong EMBEDDING_MODEL stops web and worker processes as they start, with a message naming the variable.

Not at the first query: ShopguideConfig.ready checks that the model's files are here (offline) and fit the
database before gunicorn serves or Celery consumes anything.
"""

from __future__ import annotations

import subprocess

import pytest
from django.conf import settings

from tests.servers import free_port

pytestmark = pytest.mark.slow

MESSAGE = "EMBEDDING_MODEL='does-not-exist' could not be loaded offline"


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
def test_wrong_model_fails_at_start_naming_the_variable(stack, process):
    result = subprocess.run(
        stack.command(process, port=free_port()),
        cwd=settings.BASE_DIR,
        env=stack.env(EMBEDDING_MODEL="does-not-exist", HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert MESSAGE in output
    # It stopped before serving or consuming anything.
    if process == "web":
        assert "Worker failed to boot" in output
    assert "ready." not in output and "beat: Starting" not in output
