"""The Celery application: configured from Django settings (CELERY_*), tasks found in apps."""

import logging
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ems.settings.local")

app = Celery("ems")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The inbox sweep runs every MONITORING_INBOX_SWEEP_SECONDS (2 s): Celery's own "received" and
# "succeeded" lines for it would be most of a worker's log. The sweep logs a line of its own when
# it ingested something (apps/monitoring/tasks.py); a failure is still logged by Celery.
QUIET_TASKS = ("monitoring.drain_inbox[", "(monitoring.drain_inbox)")


class QuietRoutineTasks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(task in message for task in QUIET_TASKS)


for _name in ("celery.worker.strategy", "celery.app.trace", "celery.beat"):
    logging.getLogger(_name).addFilter(QuietRoutineTasks())


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_to_start_if_insecure(**kwargs) -> None:
    # Celery's Django fix-up runs the system checks but only logs their errors, and it logs any
    # exception a signal handler raises: SystemExit is what stops a worker or beat that has
    # production settings and weak keys (ems/checks.py).
    import sys

    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from .checks import refuse_to_start_if_insecure as check

    try:
        check()
    except ImproperlyConfigured as error:
        # Beat swallows SystemExit's message and redirects sys.stderr: write it first.
        print(error, file=sys.__stderr__, flush=True)
        raise SystemExit(1) from error
