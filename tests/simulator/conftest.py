"""The simulator's tests use the monitoring fixtures (a real worker, the projection)."""

from tests.monitoring.conftest import _release_worker_thread_connections  # noqa: F401
