"""The account page: time zone, password (other sessions end), export archive, deletion."""

import csv
import io
import json
import zipfile

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.chat import services as chat_services
from apps.chat.models import Conversation, Message
from apps.devices import tasks as device_tasks
from apps.devices.models import Device
from apps.users.models import User
from apps.users.tokens import token_pair_for
from ems.events import DEVICES_QUEUE
from tests.devices.conftest import _drain
from tests.factories import STRONG_PASSWORD, api_client_for, signed_in
from tests.web.meters import assigned_meter_in_transaction, ingest, last_full_hour

pytestmark = pytest.mark.django_db(databases=["default", "devices", "monitoring", "chat"])

NEW_PASSWORD = "a-brand-new-long-phrase-17"


def test_the_account_page_shows_the_forms(client_a):
    response = signed_in(client_a).get("/account/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Time zone" in page
    assert "Change password" in page
    assert "Delete my account" in page


def test_the_account_page_needs_a_sign_in():
    response = Client().get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_changes_the_time_zone(client_a):
    response = signed_in(client_a).post(
        "/account/timezone/", {"timezone": "America/New_York"}, follow=True
    )
    assert b"Your time zone is now America/New_York." in response.content
    client_a.refresh_from_db()
    assert client_a.timezone == "America/New_York"
    assert b'data-timezone="America/New_York"' in response.content


def test_it_refuses_a_time_zone_not_in_the_list(client_a):
    response = signed_in(client_a).post("/account/timezone/", {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    client_a.refresh_from_db()
    assert client_a.timezone != "Mars/Olympus"


def test_changing_the_password_keeps_this_session_and_ends_the_others(client_a):
    here, elsewhere = signed_in(client_a), signed_in(client_a)
    refresh = token_pair_for(client_a)["refresh"]
    response = here.post(
        "/account/password/",
        {
            "current_password": STRONG_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        follow=True,
    )
    assert b"Your password is changed." in response.content
    assert here.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/").status_code == 302
    renewed = api_client_for(None).post("/api/auth/token/refresh/", {"refresh": refresh})
    assert renewed.status_code == 401
    client_a.refresh_from_db()
    assert client_a.check_password(NEW_PASSWORD)


def test_a_wrong_current_password_is_reported_on_its_field(client_a):
    response = signed_in(client_a).post(
        "/account/password/",
        {
            "current_password": "not-it-at-all-99",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert response.context["password_form"].errors["current_password"] == [
        "That is not your current password."
    ]


def test_differing_new_passwords_are_reported(client_a):
    response = signed_in(client_a).post(
        "/account/password/",
        {
            "current_password": STRONG_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD + "x",
        },
    )
    assert response.status_code == 400
    client_a.refresh_from_db()
    assert client_a.check_password(STRONG_PASSWORD)


def test_the_registration_form_honours_the_time_zone():
    response = Client().post(
        "/register/",
        {
            "username": "carol",
            "name": "Carol Client",
            "timezone": "Asia/Kolkata",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="carol").timezone == "Asia/Kolkata"


def _archive(browser) -> zipfile.ZipFile:
    response = browser.post("/account/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment;" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_export_asks_for_confirmation_first(client_a):
    response = signed_in(client_a).get("/account/export/")
    assert response.status_code == 200
    assert b"Download the archive" in response.content


def test_the_export_holds_account_meters_hours_alerts_and_chat(client_a, client_b):
    meter = assigned_meter_in_transaction(client_a, max_hourly_kwh="1.000")
    assigned_meter_in_transaction(client_b, description="Bob's meter")
    hour = last_full_hour()
    ingest(meter, hour, 100.0, 101.0, 102.5)  # 2.5 kWh: over the limit, one alert
    conversation = chat_services.conversation_open_for_client(
        client_id=client_a.id, client_name=client_a.name
    )
    chat_services.message_send(
        conversation_id=conversation.id,
        sender_id=client_a.id,
        sender_name=client_a.name,
        sender_role="client",
        body="Why is my meter so high?",
    )
    archive = _archive(signed_in(client_a))
    assert set(archive.namelist()) == {
        "README.txt",
        "account.json",
        "meters.json",
        "consumption.csv",
        "alerts.json",
        "chat.json",
    }
    account = json.loads(archive.read("account.json"))
    assert account["username"] == "alice"
    assert "password" not in account
    meters = json.loads(archive.read("meters.json"))
    assert [m["id"] for m in meters["current"]] == [str(meter.id)]
    rows = list(csv.DictReader(io.StringIO(archive.read("consumption.csv").decode())))
    assert [(row["device_id"], row["hour_start"]) for row in rows] == [
        (str(meter.id), hour.isoformat())
    ]
    assert float(rows[0]["kwh"]) == pytest.approx(2.5)
    alerts = json.loads(archive.read("alerts.json"))
    assert [(a["device_id"], a["state"]) for a in alerts] == [(str(meter.id), "open")]
    chat = json.loads(archive.read("chat.json"))
    assert [message["body"] for message in chat] == ["Why is my meter so high?"]


def test_the_export_holds_nothing_of_another_client(client_a, client_b):
    other = assigned_meter_in_transaction(client_b, description="Bob's meter")
    ingest(other, last_full_hour(), 5.0, 9.0)
    archive = _archive(signed_in(client_a))
    assert json.loads(archive.read("meters.json")) == {"current": [], "former": []}
    assert archive.read("consumption.csv").decode() == "device_id,hour_start,kwh,estimated\n"
    assert json.loads(archive.read("alerts.json")) == []


def test_administrators_have_no_export_or_deletion(admin):
    browser = signed_in(admin)
    assert browser.post("/account/export/")["Location"] == "/account/"
    assert (
        browser.post("/account/delete/", {"password": STRONG_PASSWORD, "confirm": "on"})["Location"]
        == "/account/"
    )
    assert User.objects.filter(id=admin.id).exists()


def test_deletion_asks_for_the_password_and_the_confirmation(client_a):
    browser = signed_in(client_a)
    assert b"This cannot be undone" in browser.get("/account/delete/").content
    wrong = browser.post("/account/delete/", {"password": "not-it-at-all-99", "confirm": "on"})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["password"] == ["That is not your password."]
    unconfirmed = browser.post("/account/delete/", {"password": STRONG_PASSWORD})
    assert unconfirmed.status_code == 400
    assert User.objects.filter(id=client_a.id).exists()


def test_deleting_the_account_unassigns_meters_anonymises_chat_and_revokes_tokens(
    client_a, admin, django_capture_on_commit_callbacks
):
    meter = assigned_meter_in_transaction(client_a)
    conversation = chat_services.conversation_open_for_client(
        client_id=client_a.id, client_name=client_a.name
    )
    for sender in (client_a, admin):
        chat_services.message_send(
            conversation_id=conversation.id,
            sender_id=sender.id,
            sender_name=sender.name,
            sender_role=sender.role,
            body=f"Hello from {sender.name}",
        )
    refresh = token_pair_for(client_a)["refresh"]
    user_id = client_a.id
    browser = signed_in(client_a)
    _drain(DEVICES_QUEUE)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/account/delete/", {"password": STRONG_PASSWORD, "confirm": "on"}, follow=True
        )
    assert response.redirect_chain[-1][0] == "/login/"
    assert b"Your account is deleted." in response.content
    assert not User.objects.filter(id=user_id).exists()
    assert browser.get("/dashboard/").status_code == 302
    # The refresh token is blacklisted, not merely orphaned.
    token = OutstandingToken.objects.get(jti=RefreshToken(refresh, verify=False)["jti"])
    assert hasattr(token, "blacklistedtoken")
    assert (
        api_client_for(None).post("/api/auth/token/refresh/", {"refresh": refresh}).status_code
        == 401
    )
    # The devices worker applies the account event: the meter leaves the account.
    events = [kwargs for name, kwargs in _drain(DEVICES_QUEUE) if name == "users.account_changed"]
    assert [event["deleted"] for event in events] == [True]
    device_tasks.account_changed(**events[0])
    assert Device.objects.using("devices").get(id=meter.id).owner_id is None
    # The support team keeps the conversation, without the client's name.
    conversation = Conversation.objects.using("chat").get(id=conversation.id)
    assert conversation.client_name == "Deleted client"
    senders = list(
        Message.objects.using("chat")
        .filter(conversation=conversation)
        .values_list("sender_name", "body")
    )
    assert senders == [
        ("Deleted client", "Hello from Alice Client"),
        ("Ada Admin", "Hello from Ada Admin"),
    ]


def test_it_saves_the_alert_mail_settings_from_the_account_page(client_a):
    browser = signed_in(client_a)
    assert 'name="alert_mail"' in browser.get("/account/").content.decode()
    response = browser.post(
        "/account/alert-mail/",
        {"alert_mail": "digest", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
    )
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.alert_mail == "digest"
    assert str(client_a.quiet_hours_start) == "22:00:00"
    refused = browser.post(
        "/account/alert-mail/", {"alert_mail": "off", "quiet_hours_start": "22:00"}
    )
    assert refused.status_code == 400
    client_a.refresh_from_db()
    assert client_a.alert_mail == "digest"
