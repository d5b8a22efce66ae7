"""What /api/docs/ tells a script author beyond the shapes: a description and an example of every
operation, the readings body field by field, and the errors each operation can answer.

Applied to the generated schema as a drf-spectacular post-processing hook (SPECTACULAR_SETTINGS),
so the views keep only their code; an operation a process does not serve is simply absent.
tests/test_api_docs.py checks that every operation is covered.
"""

DEVICE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
ACCOUNT = {
    "id": 7,
    "username": "alice",
    "name": "Alice Client",
    "email": "alice@example.com",
    "role": "client",
    "timezone": "Europe/Bucharest",
    "is_active": True,
}
DEVICE_BODY = {
    "id": DEVICE,
    "description": "Workshop meter",
    "address": "12 Linden Street",
    "max_hourly_kwh": "2.000",
    "meter_kind": "index",
    "owner": 7,
}
ALERT = {
    "id": 41,
    "device": DEVICE,
    "hour_start": "2026-11-27T10:00:00Z",
    "kwh": 3.512,
    "max_hourly_kwh": 2.0,
    "state": "open",
    "created_at": "2026-11-27T11:00:04Z",
    "acknowledged_at": None,
    "withdrawn_at": None,
}
TOKENS = {"access": "eyJhbGciOiJIUzI1NiIs...", "refresh": "eyJhbGciOiJIUzI1NiIs..."}


class PerMedia(dict):
    """An example for each media type of a body (a CSV file is not a JSON-lines file)."""


def _page(*results) -> dict:
    return {"count": len(results), "next": None, "previous": None, "results": list(results)}


# (method, path) -> (description if the view gives none, request example, response example)
OPERATIONS: dict[tuple[str, str], tuple[str | None, object, object]] = {
    ("post", "/api/auth/register/"): (
        "Create a **client** account (never an administrator: `role` in the body is ignored). "
        "`timezone` (IANA) sets the zone of the account's days; the server's default otherwise. "
        "Limited per address (429).",
        {"username": "alice", "password": "a-long-pass-phrase-7", "name": "Alice Client"},
        ACCOUNT,
    ),
    ("post", "/api/auth/token/"): (
        "Sign in: an access token (15 minutes; claims `user_id`, `role`, `name`, `timezone`) "
        "and a refresh token. Repeated failures lock the username for a while (429).",
        {"username": "alice", "password": "a-long-pass-phrase-7"},
        TOKENS,
    ),
    ("post", "/api/auth/token/refresh/"): (
        "Rotate: a new pair with the account's current claims; the refresh token sent stops "
        "working.",
        {"refresh": "eyJhbGciOiJIUzI1NiIs..."},
        TOKENS,
    ),
    ("post", "/api/auth/logout/"): (
        "Sign out: the refresh token stops working (205). Access tokens expire by themselves.",
        {"refresh": "eyJhbGciOiJIUzI1NiIs..."},
        None,
    ),
    ("get", "/api/users/"): (
        "Administrators: every account, by username; filter by `role`, `is_active`, `search` "
        "(username, name, email).",
        None,
        _page(ACCOUNT),
    ),
    ("post", "/api/users/"): (
        "Administrators: create an account of either role.",
        {
            "username": "bob",
            "password": "another-long-phrase-8",
            "name": "Bob Client",
            "role": "client",
            "timezone": "Europe/Lisbon",
        },
        {**ACCOUNT, "id": 8, "username": "bob", "name": "Bob Client", "timezone": "Europe/Lisbon"},
    ),
    ("get", "/api/users/{user_id}/"): ("Administrators: one account.", None, ACCOUNT),
    ("patch", "/api/users/{user_id}/"): (
        "Administrators: change fields; a new `password` or `is_active: false` revokes the "
        "account's refresh tokens. Nobody changes their own role or deactivates themselves.",
        {"is_active": False},
        {**ACCOUNT, "is_active": False},
    ),
    ("delete", "/api/users/{user_id}/"): (
        "Administrators: delete an account (not one's own); its meters are unassigned.",
        None,
        None,
    ),
    ("get", "/api/users/me/"): (None, None, ACCOUNT),
    ("get", "/api/devices/"): (
        "Meters: an administrator sees all (filters `owner`, `unassigned`, `meter_kind`, "
        "`search`), a client their own.",
        None,
        _page(DEVICE_BODY),
    ),
    ("post", "/api/devices/"): (
        "Administrators: create a meter; `id` may be given for a real meter whose identifier is "
        "fixed. `max_hourly_kwh` is the hourly limit that raises alerts.",
        {
            "description": "Workshop meter",
            "address": "12 Linden Street",
            "max_hourly_kwh": "2.000",
            "meter_kind": "index",
            "owner": 7,
        },
        DEVICE_BODY,
    ),
    ("get", "/api/devices/{device_id}/"): (
        "One meter: an administrator any, a client their own (another's is 404).",
        None,
        DEVICE_BODY,
    ),
    ("patch", "/api/devices/{device_id}/"): (
        "Administrators: change a meter; `owner: null` unassigns it.",
        {"max_hourly_kwh": "2.500"},
        {**DEVICE_BODY, "max_hourly_kwh": "2.500"},
    ),
    ("delete", "/api/devices/{device_id}/"): (
        "Administrators: delete a meter (its ingestion token stops working).",
        None,
        None,
    ),
    ("get", "/api/devices/{device_id}/consumption/"): (
        "Energy of a meter. `?date=YYYY-MM-DD`: one entry per local hour of that day "
        "(`hours`). `?from=&to=&bucket=hour|day|month`: `buckets` of that range (`to` is the "
        "last day included). Days are in the token's time zone unless `tz` names another. "
        "`format=csv` answers CSV. A bucket without data has `kwh: null`; a client reads only "
        "the hours of the periods in which the meter was theirs.",
        None,
        {
            "device": DEVICE,
            "date": "2026-11-27",
            "timezone": "Europe/Bucharest",
            "unit": "kWh",
            "total": 14.2,
            "hours": [
                {"start": "2026-11-27T00:00:00+02:00", "kwh": 0.42},
                {"start": "2026-11-27T01:00:00+02:00", "kwh": 0.39},
            ],
        },
    ),
    ("post", "/api/devices/{device_id}/ingestion-token/"): (
        None,
        None,
        {"device": DEVICE, "token": "emsd_3q2+7w..."},
    ),
    ("delete", "/api/devices/{device_id}/ingestion-token/"): (None, None, None),
    ("get", "/api/devices/former/"): (
        None,
        None,
        _page(
            {
                "id": DEVICE,
                "description": "Workshop meter",
                "meter_kind": "index",
                "max_hourly_kwh": "2.000",
                "periods": [{"start": None, "end": "2026-11-20T10:00:00Z"}],
            }
        ),
    ),
    ("post", "/api/readings/"): (
        None,
        [
            {"timestamp": 1764237600000, "device_id": DEVICE, "measurement_value": 1520.125},
            {"timestamp": "2026-11-27T10:10:00Z", "device_id": DEVICE, "measurement_value": 1520.4},
        ],
        {"accepted": 2, "rejected": 0, "reasons": {}},
    ),
    ("get", "/api/alerts/"): (
        "Alerts, newest first: an administrator's all, a client's those of the hours their meters "
        "were theirs. Filters: `device`, `acknowledged` (false: the open ones), `state`; "
        "`since=<id>` answers the newer ones oldest first (catching up after a reconnect).",
        None,
        _page(ALERT),
    ),
    ("post", "/api/alerts/{alert_id}/acknowledge/"): (
        "Mark an open alert acknowledged (no body); answers the alert.",
        None,
        {**ALERT, "state": "acknowledged", "acknowledged_at": "2026-11-27T11:05:00Z"},
    ),
    ("get", "/api/chat/conversations/"): (
        "Conversations with support: a client's one (if they have opened the chat), every one "
        "for an administrator; newest activity first, with unread counts.",
        None,
        _page(
            {
                "id": 3,
                "client_id": 7,
                "client_name": "Alice Client",
                "created_at": "2026-11-27T09:00:00Z",
                "last_message_at": "2026-11-27T09:05:00Z",
                "last_message": None,
                "unread_count": 1,
                "last_read_message_id": 16,
            }
        ),
    ),
    ("get", "/api/chat/conversations/{conversation_id}/messages/"): (
        "A page of history, newest last: `before=<id>` for older, `after=<id>` for newer. "
        "`other_side_read_up_to` is the newest message the other side has read. A message sent "
        'with "Ask about this" has a `reference` card.',
        None,
        {
            "count": 1,
            "next": None,
            "previous": None,
            "other_side_read_up_to": 17,
            "results": [
                {
                    "id": 17,
                    "conversation": 3,
                    "body": "Why is my meter so high?",
                    "reference": None,
                    "created_at": "2026-11-27T09:05:00Z",
                    "sender": {"id": 7, "name": "Alice Client", "role": "client"},
                }
            ],
        },
    ),
    ("post", "/api/ws-ticket/"): (
        "A single-use ticket (30 s) for opening a WebSocket from a browser session.",
        None,
        {"ticket": "Yt3m...", "protocol": "ems.ticket", "expires_in": 30},
    ),
    ("post", "/api/alerts/acknowledge/"): (
        None,
        {"device": DEVICE, "comment": "Compressor left on over the weekend."},
        {"acknowledged": 3},
    ),
    ("get", "/api/devices/{device_id}/consumption/demand/"): (
        "The meter's current power, from its latest readings (`stale` once they are old).",
        None,
        {
            "device": DEVICE,
            "kw": 1.2,
            "at": "2026-11-27T10:10:00+00:00",
            "interval_seconds": 600.0,
            "stale": False,
        },
    ),
    ("post", "/api/readings/import/"): (
        None,
        PerMedia(
            {
                "text/csv": "timestamp,measurement_value\n2025-01-01T00:00:00Z,100.0\n"
                "2025-01-01T00:10:00Z,100.2\n",
                "application/x-ndjson": '{"timestamp": "2025-01-01T00:00:00Z", '
                '"measurement_value": 100.0}\n',
            }
        ),
        {
            "lines": 2,
            "stored": 2,
            "duplicates": 0,
            "rejected": 0,
            "reasons": {},
            "errors": [],
            "historical_alerts": 0,
        },
    ),
    ("patch", "/api/users/me/"): (None, None, None),
    ("post", "/api/users/me/password/"): (None, None, None),
}

# The readings body, field by field (the view parses it itself, to answer 400 and 413 exactly).
READING_SCHEMA = {
    "type": "object",
    "required": ["timestamp", "device_id", "measurement_value"],
    "properties": {
        "timestamp": {
            "oneOf": [
                {"type": "integer", "description": "Milliseconds since the epoch (UTC)."},
                {"type": "string", "format": "date-time", "description": "ISO 8601 with offset."},
            ],
            "description": "When the value was read. Not older than the live window "
            "(MONITORING_MAX_READING_AGE_DAYS) nor more than a day ahead.",
        },
        "device_id": {
            "type": "string",
            "format": "uuid",
            "description": "The meter. With a device token, only that meter's id.",
        },
        "measurement_value": {
            "type": "number",
            "description": "kWh: the cumulative index (an index meter) or the energy of the "
            "interval that ends at `timestamp` (an interval meter). Finite, not negative.",
        },
    },
    "additionalProperties": False,
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in words."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "400: the messages of each field.",
        },
    },
}

ERRORS = {
    "400": "The input is not valid: `errors` names each field's problem.",
    "401": "No token, or an invalid or expired one (or wrong credentials when signing in).",
    "403": "The token is valid but its account may not do this (a client on an administrator "
    "operation).",
    "404": "No such object, or one of another client's (never told apart).",
    "413": "The body is larger than the server accepts.",
    "429": "Too many attempts: wait (`Retry-After`).",
    "503": "A database is unreachable: nothing was done; try again after `Retry-After`.",
}
ADMIN_ONLY_PATHS = ("/api/users/", "/api/devices/{device_id}/ingestion-token/")
THROTTLED = {"/api/auth/register/", "/api/auth/token/"}


def _errors_of(method: str, path: str, operation: dict) -> list[str]:
    codes = ["503"]
    if operation.get("requestBody") or any(
        parameter.get("in") == "query" for parameter in operation.get("parameters", [])
    ):
        codes.append("400")
    if path != "/api/auth/register/":  # a refused refresh token or password is a 401 too
        codes.append("401")
    admin_only = (path.startswith(ADMIN_ONLY_PATHS) and not path.startswith("/api/users/me/")) or (
        path.startswith("/api/devices/") and method in {"post", "patch", "delete"}
    )
    if admin_only:
        codes.append("403")
    if path.startswith("/api/readings/"):
        codes += ["403", "413"]
    if "{" in path:
        codes.append("404")
    if path in THROTTLED:
        codes.append("429")
    return sorted(set(codes))


def _example(content: dict, value) -> None:
    for media_type, media in content.items():
        example = value.get(media_type) if isinstance(value, PerMedia) else value
        if example is not None:
            media.setdefault("examples", {"example": {"value": example}})


def document_operations(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: descriptions, examples and errors."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["Reading"] = READING_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            description, request_example, response_example = OPERATIONS.get(
                (method, path), (None, None, None)
            )
            if description and not operation.get("description"):
                operation["description"] = description
            if path == "/api/readings/":
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Reading"},
                                "maxItems": 1000,
                            }
                        }
                    },
                }
            if request_example is not None and operation.get("requestBody"):
                _example(operation["requestBody"]["content"], request_example)
            responses = operation.setdefault("responses", {})
            if response_example is not None:
                for code, response in responses.items():
                    if code.startswith("2") and response.get("content"):
                        _example(response["content"], response_example)
            for code in _errors_of(method, path, operation):
                responses.setdefault(code, {"description": ERRORS[code], "content": error_ref})
    return result
