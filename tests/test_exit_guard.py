"""A test that times out and leaves a thread behind fails the run; it does not hang it."""

import subprocess
import sys
import textwrap

from tests.paths import REPOSITORY

LEAVES_A_THREAD_AND_TIMES_OUT = """
    import threading
    import time

    def test_hangs():
        threading.Thread(target=threading.Event().wait).start()  # never ends, not a daemon
        time.sleep(30)

    def test_after_it_still_runs():
        pass
"""


def test_a_run_with_a_timed_out_test_reports_and_exits_without_waiting_for_its_threads(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\ntimeout = 1\n")
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(LEAVES_A_THREAD_AND_TIMES_OUT))
    run = subprocess.run(  # noqa: S603 - this interpreter, pytest on our own sample
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:django",
            "-p",
            "tests.exit_guard",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout
    assert "exiting without waiting for the threads they left" in run.stderr
