"""The pinned requirement sets: production installs what runs there and nothing for development."""

import re

from .processes import REPOSITORY

REQUIREMENTS = REPOSITORY / "requirements"


def _packages(name: str) -> set[str]:
    """The package names a requirements file pins, following its `-r` includes."""
    packages = set()
    for line in (REQUIREMENTS / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            packages |= _packages(line.removeprefix("-r ").strip())
        elif line:
            packages.add(re.split(r"[\[=<>~!]", line, maxsplit=1)[0].lower())
    return packages


def test_the_production_set_has_the_servers_and_no_development_tools():
    production = _packages("production.txt")
    assert {"django", "daphne", "celery", "gunicorn"} <= production
    assert not {"honcho", "pytest", "ruff", "playwright"} & production


def test_the_development_set_has_everything_production_runs_and_the_process_runner():
    development = _packages("dev.txt")
    assert _packages("production.txt") <= development
    assert {"honcho", "pytest", "ruff"} <= development


def test_the_image_installs_the_production_set():
    dockerfile = (REPOSITORY / "docker" / "Dockerfile").read_text()
    assert "-r /tmp/requirements/production.txt" in dockerfile
    assert "-r /tmp/requirements/base.txt" not in dockerfile
    assert "base.txt\n" not in dockerfile.replace("requirements/base.txt requirements/", "")
