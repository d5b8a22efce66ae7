"""No operation of the API answers 5xx, whatever its parameters (hypothesis over /api/schema/).

Every parameter every operation declares gets values drawn from its schema (dates anywhere in
years 1..9999, integers of any size, enum members, text) or hostile ones (NUL, a lone surrogate
sent as its UTF-8 bytes, unicode digits, far dates with ±23:59 offsets, directories of the zone
database), as a signed-in client and as an administrator, through the real app.
"""

import contextlib
import datetime as dt
import urllib.parse
import uuid

import pytest
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.users.models import Role
from tests.factories import api_client_for, create_user
from tests.monitoring.conftest import make_device

pytestmark = pytest.mark.django_db(databases="__all__")

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff x",
    "²",
    "٣",
    "\uff11\uff12",  # fullwidth digits
    "1" * 400,
    "-1",
    "0",
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    "NaN",
    "-Infinity",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "0000-12-31",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "2026-01-01T00:00:00+23:00",
    "America",
    "Etc",
    "America/",
    "../../etc/passwd",
    "__pycache__",
    "UTC\x00",
    "%",
    "null",
    "true",
    str(uuid.UUID(int=0)),
]

EDGE_DATES = ["0001-01-01", "0001-01-02", "0001-12-31", "9999-01-01", "9999-12-30", "9999-12-31"]

FAR_OFFSETS = st.integers(min_value=-1439, max_value=1439).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)


def _schema_values(schema: dict) -> st.SearchStrategy[str]:
    """Values a client could send for a parameter of this schema (as query text)."""
    if "enum" in schema:
        return st.sampled_from([str(value) for value in schema["enum"]])
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return st.one_of(st.integers(-(2**70), 2**70), st.integers(-5, 50)).map(str)
    if kind == "boolean":
        return st.sampled_from(["true", "false", "True", "1", "0", "null", "yes"])
    if form == "date":
        return st.dates().map(dt.date.isoformat)
    if form == "uuid":
        return st.uuids().map(str)
    return st.one_of(
        st.text(max_size=20),
        st.datetimes(timezones=FAR_OFFSETS).map(dt.datetime.isoformat),
        st.dates().map(dt.date.isoformat),
    )


def _parameter_values(schema: dict, known: list[str]) -> st.SearchStrategy[str]:
    strategies = [_schema_values(schema), st.sampled_from(HOSTILE + EDGE_DATES)]
    if known:
        strategies.append(st.sampled_from(known))
    return st.one_of(*strategies)


def _quote(value: str) -> str:
    # A lone surrogate goes out as the bytes a careless encoder would send.
    return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


def _operations() -> list[tuple[str, str, list[dict]]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation.get("parameters", []))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("parameters")
    ]


OPERATIONS = _operations()


@pytest.fixture
def world():
    """Two signed-in callers and the ids a parameter may name (so some requests find data)."""
    client = create_user(role=Role.CLIENT, username="prop-client")
    admin = create_user(role=Role.ADMIN, username="prop-admin")
    device = make_device(owner_id=client.id)
    return {
        "callers": {"client": api_client_for(client), "admin": api_client_for(admin)},
        "known": {"uuid": [str(device)], "integer": [str(client.id), str(admin.id), "1"]},
    }


def test_every_operation_with_parameters_is_exercised(anonymous_api):
    served = anonymous_api.get("/api/schema/", {"format": "json"}).json()["paths"]
    declared = {
        (method.upper(), path)
        for path, operations in served.items()
        for method, operation in operations.items()
        if operation.get("parameters")
    }
    assert declared == {(method, path) for method, path, _ in OPERATIONS}


@pytest.mark.parametrize(
    ("method", "path", "parameters"),
    OPERATIONS,
    ids=[f"{method} {path}" for method, path, _ in OPERATIONS],
)
def test_no_parameter_value_makes_an_operation_answer_5xx(world, method, path, parameters):
    # Writes are called with hostile path values only: a generated id must not delete the data
    # the next example reads.
    safe = method == "GET"

    def values_for(parameter: dict) -> st.SearchStrategy[str]:
        schema = parameter.get("schema", {})
        known = world["known"].get(schema.get("format") or schema.get("type"), [])
        if parameter["in"] == "path" and not safe:
            return st.sampled_from(HOSTILE)
        if parameter["in"] == "path" and known:
            # Mostly an id that exists: an unknown one is a 404 before any query parameter is read.
            return st.one_of(
                st.sampled_from(known), st.sampled_from(known), _parameter_values(schema, known)
            )
        return _parameter_values(schema, known)

    path_parameters = [p for p in parameters if p["in"] == "path"]
    query_parameters = [p for p in parameters if p["in"] == "query"]
    # A few parameters at a time: most operations refuse some combinations (date with from)
    # before they read a value, and the values are what this is about.
    names = st.lists(
        st.sampled_from([p["name"] for p in query_parameters] or [""]), unique=True, max_size=3
    )
    request = names.flatmap(
        lambda chosen: st.fixed_dictionaries(
            {p["name"]: values_for(p) for p in path_parameters}
            | {p["name"]: values_for(p) for p in query_parameters if p["name"] in chosen}
        )
    )

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(values=request, caller=st.sampled_from(["client", "admin"]))
    def check(values, caller):
        path_values = {p["name"]: values[p["name"]] for p in path_parameters}
        query = {name: value for name, value in values.items() if name not in path_values}
        status, content = _call(world["callers"][caller], method, path, path_values, query)
        assert status < 500, (method, path, values, caller, content)

    check()


# A request each operation answers with data, so that one odd value is all that is wrong.
VALID_QUERIES = {
    "/api/devices/{device_id}/consumption/": [
        {"date": "2026-01-15"},
        {"from": "2026-01-01", "to": "2026-01-31", "bucket": "day"},
        {"from": "2026-01-01", "to": "2026-01-02", "bucket": "hour"},
        {"from": "2025-01-01", "to": "2026-01-31", "bucket": "month"},
    ],
}


@pytest.mark.parametrize(
    ("method", "path", "parameters"),
    [operation for operation in OPERATIONS if operation[0] == "GET"],
    ids=[f"{method} {path}" for method, path, _ in OPERATIONS if method == "GET"],
)
def test_no_single_odd_value_in_an_otherwise_valid_query_answers_5xx(
    world, method, path, parameters
):
    """Every hostile value and edge date in each query parameter, the rest of the query valid."""
    path_values = {
        p["name"]: world["known"][p["schema"].get("format") or p["schema"]["type"]][0]
        for p in parameters
        if p["in"] == "path"
    }
    failures = []
    for base in VALID_QUERIES.get(path, [{}]):
        for parameter in (p for p in parameters if p["in"] == "query"):
            for value in HOSTILE + EDGE_DATES:
                query = base | {parameter["name"]: value}
                status, content = _call(
                    world["callers"]["client"], method, path, path_values, query
                )
                if status >= 500:
                    failures.append((query, status, content))
    assert failures == []


def _call(client, method: str, path: str, path_values: dict, query: dict) -> tuple[int, bytes]:
    url = path
    for name, value in path_values.items():
        url = url.replace("{" + name + "}", _quote(value))
    text = "&".join(f"{_quote(name)}={_quote(value)}" for name, value in query.items())
    try:
        with contextlib.ExitStack() as savepoints:
            # A database error must not abort the test's transaction for the next request.
            for alias in connections:
                savepoints.enter_context(transaction.atomic(using=alias))
            response = client.generic(method, f"{url}?{text}" if text else url)
    except Exception as error:  # the test client re-raises what the view raised: a 500
        return 500, repr(error).encode()
    return response.status_code, response.content[:300]
