"""One archive of everything EMS holds about a client, built by the web process.

The web process holds all four databases; it reads each through that app's own functions
(apps.*.selectors, apps.*.account_data), so no app's tables are read by another's code.
"""

import csv
import datetime as dt
import io
import json
import zipfile

from apps.chat import account_data as chat_data
from apps.devices import selectors as device_selectors
from apps.monitoring import account_data as monitoring_data
from apps.monitoring import selectors as monitoring_selectors
from apps.users.models import User

README = """Your data from EMS, exported on {exported_at} (UTC).

account.json      your account (no password: only its hash is stored, and it is not exported)
meters.json       the meters on your account now, and the ones that were yours before
consumption.csv   every hour of your meters while they were yours: device_id, hour_start (UTC),
                  kwh, estimated (true: part of the energy was spread over a gap in the readings)
alerts.json       the alerts of your meters
chat.json         your conversation with the support team
"""


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "timezone": user.timezone,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def _meters(user: User) -> dict:
    current = [
        {
            "id": str(device.id),
            "description": device.description,
            "address": device.address,
            "max_hourly_kwh": str(device.max_hourly_kwh),
            "meter_kind": device.meter_kind,
        }
        for device in device_selectors.device_list_for_client(client_id=user.id)
    ]
    former = [
        {
            "id": str(device.id),
            "description": device.description,
            "max_hourly_kwh": str(device.max_hourly_kwh),
            "periods": [
                {"start": start.isoformat() if start else None, "end": end.isoformat()}
                for start, end in device.periods
            ],
        }
        for device in monitoring_selectors.devices_formerly_owned(user=user)
    ]
    return {"current": current, "former": former}


def _consumption_csv(user: User) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["device_id", "hour_start", "kwh", "estimated"])
    for hour in monitoring_data.owned_hours(user_id=user.id):
        estimated = "true" if hour.estimated else "false"
        writer.writerow([hour.device_id, hour.hour_start.isoformat(), hour.kwh, estimated])
    return out.getvalue()


def account_archive(*, user: User) -> bytes:
    """A zip of the client's account, meters, hourly consumption, alerts and chat."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(exported_at=now.isoformat()))
        archive.writestr("account.json", _json(_account(user)))
        archive.writestr("meters.json", _json(_meters(user)))
        archive.writestr("consumption.csv", _consumption_csv(user))
        archive.writestr("alerts.json", _json(monitoring_data.owned_alerts(user=user)))
        archive.writestr(
            "chat.json", _json(chat_data.conversation_export_for_client(client_id=user.id))
        )
    return buffer.getvalue()


def account_archive_name(*, user: User) -> str:
    return f"ems-{user.username}-{dt.datetime.now(dt.UTC).date().isoformat()}.zip"
