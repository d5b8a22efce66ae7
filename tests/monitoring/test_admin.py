"""Operators see alerts and quarantined input in the Django admin, read-only."""

import pytest

from apps.monitoring.services import readings_ingest

pytestmark = pytest.mark.django_db(databases=["default", "monitoring"])


def test_quarantined_input_is_listed_by_reason(admin_browser):
    readings_ingest(raw_readings=[{"device_id": "nope"}])
    response = admin_browser.get("/admin/monitoring/quarantinedreading/?reason__exact=malformed")
    assert response.status_code == 200
    assert b"missing" in response.content


def test_alerts_are_listed_and_cannot_be_added(admin_browser):
    assert admin_browser.get("/admin/monitoring/alert/").status_code == 200
    assert admin_browser.get("/admin/monitoring/alert/add/").status_code == 403
