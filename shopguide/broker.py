"""A worker must outlive a Redis restart: a guard around kombu's hand-back of unacknowledged messages.

When the connection to Redis drops while a worker holds messages it has not acknowledged (``acks_late``:
the task it is running, countdown tasks waiting in memory), Celery closes the channel and kombu tries to
put those messages back into their queues. kombu 5.7's Redis transport does that through a connection
that is already gone and raises ``AttributeError`` ('NoneType' object has no attribute 'hostname'), which
Celery treats as unrecoverable: the worker exits instead of reconnecting (tests/faults/test_redis_outage.py
caught it). Here the hand-back is skipped instead: the messages stay in Redis's unacked set and come back
after the visibility timeout, exactly as when a worker is killed, and the beat sweeps recover the work
sooner. When Redis itself lost them (a restart without persistence), the sweeps are what recovers it.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def install() -> None:
    from kombu.transport import redis as kombu_redis

    if getattr(kombu_redis.QoS.restore_unacked, "shopguide_guard", False):
        return
    restore_unacked = kombu_redis.QoS.restore_unacked

    def guarded(self: Any, client: Any = None) -> Any:
        try:
            return restore_unacked(self, client)
        except AttributeError:  # the connection went away under kombu (see above)
            logger.warning(
                "broker connection lost while handing back %d unacknowledged message(s); "
                "they return after the visibility timeout and the beat sweeps recover their work",
                len(self._delivered),
            )
            self._delivered.clear()
            return None

    guarded.shopguide_guard = True  # type: ignore[attr-defined]
    kombu_redis.QoS.restore_unacked = guarded
