"""The process roles: what each kind of EMS process serves, in one table.

`EMS_PROCESS` names a process's role (docs/deployment.md, "Roles"). The settings read its
databases and whether it serves pages, signs people in and serves WebSockets (middleware,
`/readyz`); `ems/urls.py` mounts its route groups; `ems/asgi.py` answers WebSocket handshakes
only where it serves them. A new role, or a new app's routes, is one line here.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

ALL_DATABASES = ("default", "devices", "monitoring", "chat")
# The URL route groups of ems/urls.py, in the order they are mounted when several are.
ALL_ROUTES = ("common", "users", "monitoring", "devices", "realtime", "web")


@dataclass(frozen=True)
class ProcessRole:
    # The database aliases the process may open (/readyz checks them; the others stay unused).
    databases: tuple[str, ...]
    # The route groups of ems/urls.py it mounts; none for a process without HTTP.
    routes: tuple[str, ...] = ()
    # The admin and the pages: session, authentication and message middleware, HTML error pages.
    serves_pages: bool = False
    # Checks passwords (signs people in): keeps django-axes' middleware, which turns a
    # locked-out sign-in into its 429.
    checks_passwords: bool = False
    serves_websockets: bool = False


PROCESS_ROLES = {
    "users": ProcessRole(databases=("default",), routes=("common", "users"), checks_passwords=True),
    "devices": ProcessRole(databases=("devices",), routes=("common", "devices")),
    "monitoring": ProcessRole(databases=("monitoring",), routes=("common", "monitoring")),
    "realtime": ProcessRole(
        databases=("chat",), routes=("common", "realtime"), serves_websockets=True
    ),
    # The front end: the admin, the pages and the whole API.
    "web": ProcessRole(
        databases=ALL_DATABASES, routes=ALL_ROUTES, serves_pages=True, checks_passwords=True
    ),
    # The local one-port mode (Procfile): everything, HTTP and WebSocket.
    "all": ProcessRole(
        databases=ALL_DATABASES,
        routes=ALL_ROUTES,
        serves_pages=True,
        checks_passwords=True,
        serves_websockets=True,
    ),
    # Celery and the simulator serve no HTTP.
    "worker": ProcessRole(databases=("monitoring",)),
    # The notifications worker (queue `notifications`): alert mails, users database only.
    "notifications": ProcessRole(databases=("default",)),
    "beat": ProcessRole(databases=()),
    # The simulator reads monitoring's projection to find the assigned meters.
    "simulator": ProcessRole(databases=("monitoring",)),
}


def process_role(name: str) -> ProcessRole:
    try:
        return PROCESS_ROLES[name]
    except KeyError:
        known = ", ".join(PROCESS_ROLES)
        raise ImproperlyConfigured(
            f"EMS_PROCESS={name!r} is not a process role; use one of: {known}."
        ) from None
