"""The benchmarks' settings: production's (ems.settings.production, its connection pool as
ems/settings/base.py configures it), with a URL configuration that adds the baseline views."""

from ems.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
