"""The per-connection rate limit: a burst, then a steady refill, never more than the burst."""

from ems.realtime.ratelimit import TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_it_allows_a_burst_then_refuses():
    bucket = TokenBucket(capacity=3, rate=1.0, clock=FakeClock())
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_it_refills_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(capacity=2, rate=4.0, clock=clock)
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 0.25
    assert [bucket.take() for _ in range(2)] == [True, False]


def test_a_long_pause_refills_only_up_to_the_burst():
    clock = FakeClock()
    bucket = TokenBucket(capacity=2, rate=4.0, clock=clock)
    bucket.take()
    clock.now += 3600
    assert [bucket.take() for _ in range(3)] == [True, True, False]
