"""A pytest plugin (loaded by the root conftest): a run in which a test timed out exits as soon
as it has reported, instead of waiting for the threads that test left behind.

pytest-timeout fails the test and the run goes on, but a thread the test started may never
end (an event loop whose task ignores its cancellation): Python waits for such a thread at exit,
for ever. One CI run printed its summary and then hung until its 90-minute budget ran out.
"""

import os
import sys

import pytest

_timed_out: list[str] = []
_exit_status: list[int] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and "from pytest-timeout" in str(call.excinfo.value):
        _timed_out.append(item.nodeid)
    return report


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if not _timed_out:
        return
    print(
        f"\n{len(_timed_out)} test(s) timed out ({', '.join(_timed_out)}); exiting without "
        "waiting for the threads they left.",
        file=sys.stderr,
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status[-1] if _exit_status and _exit_status[-1] else 1)
