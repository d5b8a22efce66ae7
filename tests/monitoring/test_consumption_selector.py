"""The consumption selector builds its SQL from known buckets only."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from apps.monitoring.selectors import consumption_buckets

pytestmark = pytest.mark.django_db(databases=["monitoring"])

ZONE = ZoneInfo("Europe/Bucharest")


@pytest.mark.parametrize("bucket", ["week", "day' || pg_sleep(1) || '", ""])
def test_it_refuses_a_bucket_it_does_not_know(bucket):
    start = dt.datetime(2026, 3, 1, tzinfo=ZONE)
    with pytest.raises(ValueError, match="Unknown bucket"):
        consumption_buckets(
            device_id=uuid.uuid4(),
            start=start,
            end=start + dt.timedelta(days=7),
            bucket=bucket,
            timezone=ZONE,
        )
