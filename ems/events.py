"""The names of the events apps send each other, and the Celery queues that carry them.

An event is a Celery task sent by name (`send_task`), so the sender never imports the receiver's
code; each receiver registers a task under the name below. Payloads are plain JSON.
"""

# users -> devices: {"user_id": int, "is_active": bool, "role": str, "deleted": bool,
#                    "version": int (a sequence: a newer event has a higher version)}
ACCOUNT_CHANGED = "users.account_changed"

# devices -> monitoring: the device's whole state after a committed change, see
# apps/monitoring/projection.py for the fields. `version` grows with every change.
DEVICE_CHANGED = "devices.device_changed"

# Consumed by the monitoring worker (monitoring database only).
EVENTS_QUEUE = "events"
READINGS_QUEUE = "readings"
# Consumed by the devices worker (devices database only): events the devices app applies.
DEVICES_QUEUE = "devices"

# devices -> monitoring, sent by the periodic reconciliation after it resent every device's
# state: {"device_ids": [str], "max_version": int, "after": str | None, "up_to": str | None},
# the devices that exist with an id in (after, up_to]. Monitoring marks deleted the devices of
# that range it holds that are not listed and whose version is <= max_version (a lost delete).
DEVICE_INVENTORY = "devices.inventory"

# monitoring -> users, after a raised (or reopened) alert with an owner is committed: the alert
# as the REST API shows it (apps/monitoring/services.alert_payload: id, kind, device,
# description, owner, hour_start, kwh, max_hourly_kwh, ...). The users worker mails the owner.
ALERT_RAISED = "monitoring.alert_raised"
# monitoring -> users: {"alerts": [the same payload, ...]}, the alerts with an owner that one
# batch of readings raised (at most ALERTS_PER_EVENT), in one message: one message per alert
# was a tenth of the ingestion's time in a fleet where meters go over their limit daily.
# `monitoring.alert_raised` (one alert) carries on an alert whose mail failed, retried alone.
ALERTS_RAISED = "monitoring.alerts_raised"
ALERTS_PER_EVENT = 100
# beat -> users: the daily digest of the alerts of the people who chose it.
ALERT_DIGEST = "users.alert_digest"
# Beat -> users worker: mail what was raised in each person's quiet hours once they end.
ALERT_DEFERRED = "users.alert_deferred"
# Consumed by the notifications worker (users database only).
NOTIFICATIONS_QUEUE = "notifications"
