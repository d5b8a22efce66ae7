"""`manage.py import_readings` and the admin's upload form: the same import, from a file."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from .conftest import hourly, make_device

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])

LAST_YEAR = dt.datetime(2025, 11, 3, tzinfo=dt.UTC)


def index_csv(count: int) -> str:
    step = dt.timedelta(minutes=10)
    rows = [f"{int((LAST_YEAR + i * step).timestamp() * 1000)},{i / 4}" for i in range(count)]
    return "\n".join(rows) + "\n"


def test_the_command_imports_a_file_with_a_progress_bar_and_a_summary(tmp_path, capsys):
    meter = make_device()
    path = tmp_path / "history.csv"
    path.write_text(index_csv(13) + "garbage\n")
    out = io.StringIO()
    call_command("import_readings", str(path), "--device", str(meter), stdout=out)
    assert "14 lines" in out.getvalue()
    assert "13 readings stored" in out.getvalue()
    assert "line 14: malformed" in out.getvalue()
    assert "import [" in capsys.readouterr().err
    assert hourly(meter) == {
        LAST_YEAR: Decimal("1.5"),
        LAST_YEAR + dt.timedelta(hours=1): Decimal("1.5"),
    }


def test_the_command_names_an_unknown_meter_and_an_unreadable_file(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(index_csv(2))
    with pytest.raises(CommandError, match="No such meter"):
        call_command(
            "import_readings", str(path), "--device", "7d8f4c7e-3e8b-4f3a-9f5e-2b7f1c1d2a3b"
        )
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_readings", str(tmp_path / "missing.csv"), "--device", str(make_device())
        )


def test_the_admin_upload_form_imports_the_file_and_lists_lines_not_imported(admin):
    meter = make_device()
    browser = Client()
    browser.force_login(admin)
    assert browser.get("/admin/monitoring/historyimport/").status_code == 200
    upload = SimpleUploadedFile("history.csv", (index_csv(7) + "soon,1\n").encode())
    response = browser.post(
        "/admin/monitoring/historyimport/", {"device": str(meter), "file": upload, "format": "csv"}
    )
    assert response.status_code == 200
    assert b"7 readings stored" in response.content
    assert b"<td>8</td><td>malformed</td>" in response.content
    assert hourly(meter) == {LAST_YEAR: Decimal("1.5")}


def test_a_client_cannot_open_the_upload_form(client_a):
    browser = Client()
    browser.force_login(client_a)
    assert browser.get("/admin/monitoring/historyimport/").status_code == 302
