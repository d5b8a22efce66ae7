"""The suite and a running demo (`make run`) cannot see each other's Redis or databases.

The demo uses Redis database 0 and the databases ems_*; the suite its own Redis database
(EMS_TEST_REDIS_URL, default db 1) and prefixed database names (EMS_TEST_DATABASE_PREFIX).
"""

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings

from apps.monitoring.models import QuarantinedReading
from apps.monitoring.services import readings_enqueue
from ems.events import READINGS_QUEUE
from tests.workers import ALL_QUEUES, celery_worker, wait_until

REPOSITORY = Path(__file__).resolve().parents[1]
DEMO_VARIABLES = ("REDIS_URL", "CELERY_BROKER_URL", "CHANNEL_LAYER_REDIS_URL", "CACHE_REDIS_URL")


def demo_settings() -> dict:
    """Where the demo's settings (ems.settings.local, no overrides) put Redis and the databases."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in DEMO_VARIABLES and not key.endswith("_DATABASE_URL")
    }
    environment["DJANGO_SETTINGS_MODULE"] = "ems.settings.local"
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['LOCATION'],"
        " 'channels': [h['address'] for h in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']],"
        " 'databases': sorted(d['NAME'] for d in s.DATABASES.values())}))"
    )
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def redis_database(url: str) -> tuple[str, int, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port or 6379, int(parts.path.strip("/") or 0)


def test_the_suite_uses_another_redis_database_and_other_database_names_than_the_demo():
    demo = demo_settings()
    demo_redis = {redis_database(url) for url in [demo["broker"], demo["cache"], *demo["channels"]]}
    suite_redis = {
        redis_database(settings.CELERY_BROKER_URL),
        redis_database(settings.CACHES["default"]["LOCATION"]),
        *(
            redis_database(host["address"])
            for host in settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
        ),
    }
    assert demo_redis.isdisjoint(suite_redis), (demo_redis, suite_redis)
    suite_databases = {database["TEST"]["NAME"] for database in settings.DATABASES.values()}
    assert suite_databases.isdisjoint(demo["databases"])


def a_marker_message(task_id: str) -> bytes:
    """A message in kombu's Redis format for a task no worker knows: harmless if consumed."""
    body = json.dumps([[], {}, {"callbacks": None, "errbacks": None, "chain": None}])
    return json.dumps(
        {
            "body": base64.b64encode(body.encode()).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {"lang": "py", "task": "tests.isolation_marker", "id": task_id},
            "properties": {
                "correlation_id": task_id,
                "delivery_tag": task_id,
                "body_encoding": "base64",
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": READINGS_QUEUE},
                "priority": 0,
            },
        }
    ).encode()


@pytest.mark.django_db(transaction=True, databases=["monitoring"])
def test_a_suite_worker_leaves_a_message_in_the_demos_queue_untouched():
    demo_broker = redis.Redis.from_url(demo_settings()["broker"])
    # A demo worker blocked on its queues would take the marker itself: nothing to prove then.
    if any(
        client.get("cmd") in ("brpop", "blpop")
        and int(client.get("db", -1)) == demo_broker.connection_pool.connection_kwargs["db"]
        for client in demo_broker.client_list()
    ):
        pytest.skip("a worker is consuming the demo's queues right now")
    marker = a_marker_message(f"isolation-{uuid.uuid4()}")
    demo_broker.lpush(READINGS_QUEUE, marker)
    try:
        # The suite's worker purges and consumes its own queues, and does work from them.
        with celery_worker(*ALL_QUEUES):
            device = uuid.uuid4()
            readings_enqueue(
                readings=[{"device_id": str(device), "timestamp": 0, "measurement_value": 1}]
            )
            assert wait_until(
                lambda: QuarantinedReading.objects.using("monitoring").exists(), timeout=30
            )
        assert marker in demo_broker.lrange(READINGS_QUEUE, 0, -1)
    finally:
        demo_broker.lrem(READINGS_QUEUE, 1, marker)
