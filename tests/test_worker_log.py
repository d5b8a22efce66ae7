"""A worker's log is read by people: the inbox sweep every 2 s does not fill it, the rest stays."""

import logging

from celery.app.trace import LOG_FAILURE, LOG_RECEIVED, LOG_SUCCESS

import ems.celery  # noqa: F401 - installs the filter, as a worker does


def _lines(caplog, logger_name: str, level: int, message: str, **fields) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO):
        logging.getLogger(logger_name).log(level, message, fields)
    return [record.getMessage() for record in caplog.records]


def test_the_sweeps_routine_lines_are_left_out_and_other_tasks_are_logged(caplog):
    sweep = {"name": "monitoring.drain_inbox", "id": "7f0c", "runtime": 0.01}
    other = {"name": "monitoring.check_alerts", "id": "8a1d", "runtime": 0.02}
    strategy, trace = "celery.worker.strategy", "celery.app.trace"
    assert _lines(caplog, strategy, logging.INFO, LOG_RECEIVED, **sweep, args="", kwargs="") == []
    assert _lines(caplog, trace, logging.INFO, LOG_SUCCESS, **sweep, return_value="{}") == []
    assert _lines(caplog, trace, logging.INFO, LOG_SUCCESS, **other, return_value="None") == [
        "Task monitoring.check_alerts[8a1d] succeeded in 0.02s: None"
    ]
    # A sweep that fails is logged like any other task.
    failed = _lines(
        caplog, trace, logging.ERROR, LOG_FAILURE, **sweep, exc="OperationalError", description="x"
    )
    assert len(failed) == 1
    assert "monitoring.drain_inbox[7f0c]" in failed[0]
