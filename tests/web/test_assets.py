"""The pages' assets are served by the site itself: no CDN (the servers are offline)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(settings.BASE_DIR)
# Any absolute URL in a page, a script or a style sheet would be a dependency on the internet.
EXTERNAL = re.compile(r"""(?:src|href|url|import|from|fetch)\s*[=(]?\s*["']?(?:https?:)?//""")


def _own_sources():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "static" / "js").rglob("*.js")
    yield from (ROOT / "static" / "css").rglob("*.css")


@pytest.mark.parametrize("path", list(_own_sources()), ids=lambda path: path.name)
def test_no_page_or_asset_loads_anything_from_another_host(path):
    assert not EXTERNAL.search(path.read_text()), path


def test_the_vendored_chart_library_is_found_with_its_licence():
    library = finders.find("vendor/chartjs/chart.umd.min.js")
    assert library
    assert Path(library).read_text().startswith("/*!\n * Chart.js v4.6.1")
    assert finders.find("vendor/chartjs/LICENSE.md")


def test_every_static_file_a_page_names_exists():
    named = set()
    for template in (ROOT / "templates").rglob("*.html"):
        named |= set(re.findall(r"{% static '([^']+)' %}", template.read_text()))
    assert named
    assert [name for name in named if not finders.find(name)] == []


def test_every_module_a_script_imports_exists():
    scripts = ROOT / "static" / "js"
    for script in scripts.glob("*.js"):
        for name in re.findall(r"""^import .*?["']\./([^"']+)["'];""", script.read_text(), re.M):
            assert (scripts / name).exists(), (script.name, name)


def test_the_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
