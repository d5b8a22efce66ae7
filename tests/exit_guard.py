"""A pytest plugin (loaded by the root conftest): a run in which a test timed out exits as soon
as it has reported, instead of waiting for the threads that test left behind.

pytest-timeout fails the test and the run goes on, but a thread the test started may never
end (an event loop whose task ignores its cancellation): Python waits for such a thread at exit,
for ever. One CI run printed its summary and then hung until its 90-minute budget ran out.

The early exit skips only what comes after pytest's own unconfigure hooks (atexit handlers,
the interpreter's shutdown), and only in a run that has already failed.
"""

import logging
import os
import sys

import pytest

_TIMED_OUT = pytest.StashKey[list]()
_SESSION = pytest.StashKey[pytest.Session]()


def _timed_out(call: pytest.CallInfo) -> bool:
    """pytest-timeout's own failure ("Timeout (>300.0s) from pytest-timeout."), not any failure
    whose message quotes one."""
    if call.excinfo is None or not call.excinfo.errisinstance(pytest.fail.Exception):
        return False
    message = str(call.excinfo.value)
    return message.startswith("Timeout (>") and message.endswith("from pytest-timeout.")


def pytest_configure(config):
    config.stash[_TIMED_OUT] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _timed_out(call):
        item.config.stash[_TIMED_OUT].append(item.nodeid)
    return report


def pytest_sessionfinish(session):
    session.config.stash[_SESSION] = session


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    timed_out = config.stash.get(_TIMED_OUT, [])
    session = config.stash.get(_SESSION, None)
    if not timed_out or session is None:
        return
    print(
        f"\n{len(timed_out)} test(s) timed out ({', '.join(timed_out)}); exiting without "
        "waiting for the threads they left.",
        file=sys.stderr,
    )
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(session.exitstatus))
