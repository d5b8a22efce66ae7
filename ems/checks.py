"""Production refuses to start with guessable secrets or a wildcard host (system check errors).

A JWT signed with a key printed in this repository would be accepted by every API process, so
the development, test and example keys, any key shorter than 50 characters, one key used for both
purposes and `ALLOWED_HOSTS=*` are errors, not warnings. The check is active where
`EMS_REFUSE_WEAK_SECRETS` is set (ems/settings/production.py). Django runs it for `manage.py
check` (with or without `--deploy`) and every other management command, Celery's Django fix-up
runs it when a worker or beat starts, and the WSGI and ASGI entry points call
`refuse_to_start_if_insecure` before they serve anything (docs/security-review.md).
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MINIMUM_KEY_LENGTH = 50

# Every key written in this repository: local and test settings, the two .env.example files and
# the Dockerfile's collectstatic step (tests/deploy/test_secret_checks.py keeps this list whole).
KNOWN_KEYS = frozenset(
    {
        "local-dev-secret-key-not-for-production",
        "local-dev-jwt-signing-key-not-for-production",
        "test-secret-key",
        "test-jwt-signing-key-0123456789abcdef",
        "change-me-to-a-long-random-string",
        "change-me-to-another-long-random-string",
        "replace-me-django-secret-key",
        "replace-me-jwt-signing-key",
        "collectstatic-build-only",
    }
)


def _key_errors(name: str, value: str, error_id: str) -> list[Error]:
    if value in KNOWN_KEYS:
        reason = "is a development or example value written in the repository"
    elif len(value) < MINIMUM_KEY_LENGTH:
        reason = f"is shorter than {MINIMUM_KEY_LENGTH} characters"
    else:
        return []
    return [
        Error(
            f"{name} {reason}: anyone could sign sessions or tokens with it.",
            hint="Set a long random value, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(64))'.",
            id=error_id,
        )
    ]


def production_secrets_errors() -> list[Error]:
    secret_key = str(settings.SECRET_KEY or "")
    signing_key = str(settings.SIMPLE_JWT.get("SIGNING_KEY") or "")
    errors = [
        *_key_errors("DJANGO_SECRET_KEY", secret_key, "ems.E001"),
        *_key_errors("JWT_SIGNING_KEY", signing_key, "ems.E002"),
    ]
    if secret_key and secret_key == signing_key:
        errors.append(
            Error(
                "JWT_SIGNING_KEY equals DJANGO_SECRET_KEY: a leak of one is a leak of both.",
                hint="Give each its own random value.",
                id="ems.E003",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "DJANGO_ALLOWED_HOSTS contains '*': any Host header is trusted (password reset "
                "links, absolute URLs, the WebSocket origin check).",
                hint="List the site's host names.",
                id="ems.E004",
            )
        )
    return errors


@register(Tags.security)
def check_production_secrets(app_configs=None, **kwargs) -> list[Error]:
    if not getattr(settings, "EMS_REFUSE_WEAK_SECRETS", False):
        return []
    return production_secrets_errors()


def refuse_to_start_if_insecure() -> None:
    """Stop a server process (gunicorn, daphne) that is about to serve with weak settings."""
    errors = check_production_secrets()
    if errors:
        listed = "\n".join(f"{error.id}: {error.msg}" for error in errors)
        raise ImproperlyConfigured(f"Refusing to start:\n{listed}")
