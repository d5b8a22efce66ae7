"""Chat and live alerts in real browsers, against daphne serving HTTP and WebSocket."""

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from apps.chat.models import ReadState
from apps.monitoring.models import Alert
from tests.sockets import access_token
from tests.web.meters import HOUR, assigned_meter, ingest, last_full_hour

from .live import in_a_thread, seed_messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def open_client_chat(signed_in_page, user):
    page = signed_in_page(user, "/chat/")
    expect(page.locator("body")).to_have_attribute("data-chat-ready", "true")
    expect(page.get_by_label("Message to EMS support")).to_be_visible()
    return page


def open_staff_chat(signed_in_page, admin):
    page = signed_in_page(admin, "/staff/chat/")
    expect(page.locator("body")).to_have_attribute("data-chat-ready", "true")
    return page


def conversation_panel(page, client_name: str):
    return page.get_by_role("region", name=client_name)


def send(page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Enter")


def test_an_administrator_and_a_client_chat_with_typing_and_read_marks(
    signed_in_page, client_a, admin, screenshot
):
    alice = open_client_chat(signed_in_page, client_a)
    staff = open_staff_chat(signed_in_page, admin)
    staff.get_by_role("button", name="Alice Client").click()
    panel = conversation_panel(staff, "Alice Client")
    expect(panel.get_by_text("No messages yet.")).to_be_visible()

    # Typing shows on the other side, and goes when the message is sent.
    alice.get_by_label("Message to EMS support").press_sequentially("My meter")
    typing = panel.locator("[data-typing]")
    expect(typing).to_have_text("Alice Client is typing…")
    alice.get_by_label("Message to EMS support").press_sequentially(" shows zero since noon.")
    alice.get_by_label("Message to EMS support").press("Enter")

    message = panel.get_by_role("listitem").filter(has_text="My meter shows zero since noon.")
    expect(message).to_contain_text("Alice Client")
    expect(message).to_contain_text("Client")
    expect(typing).to_have_text("")

    # The administrator's panel shows it: Alice's copy is marked read.
    own = alice.get_by_role("listitem").filter(has_text="My meter shows zero since noon.")
    expect(own.get_by_text("Read")).to_be_visible()

    send(staff, "Message to Alice Client", "Thanks, Alice. We are looking at it.")
    reply = alice.get_by_role("listitem").filter(has_text="We are looking at it.")
    expect(reply).to_contain_text("Ada Admin")
    expect(reply).to_contain_text("Support")
    expect(reply.get_by_text("Read")).to_have_count(0)  # only one's own messages carry marks
    staff_copy = panel.get_by_role("listitem").filter(has_text="We are looking at it.")
    expect(staff_copy.get_by_text("Read")).to_be_visible()

    screenshot(alice, "chat-client")
    screenshot(staff, "chat-admin")


def test_history_is_read_over_rest_with_load_older(signed_in_page, client_a):
    in_a_thread(seed_messages, client=client_a, count=32)

    alice = open_client_chat(signed_in_page, client_a)
    log = alice.get_by_role("log")
    expect(log.get_by_text("Reading number 32", exact=True)).to_be_visible()
    # The first page holds the newest 30; the older two come on demand.
    expect(log.get_by_role("listitem")).to_have_count(30)
    expect(log.get_by_text("Reading number 2", exact=True)).to_have_count(0)
    alice.get_by_role("button", name="Load older messages").click()
    expect(log.get_by_text("Reading number 1", exact=True)).to_be_attached()
    expect(log.get_by_role("listitem")).to_have_count(32)
    expect(alice.get_by_role("button", name="Load older messages")).to_be_hidden()
    # In order, oldest first.
    bodies = log.locator(".chat__body").all_inner_texts()
    assert bodies == [f"Reading number {number}" for number in range(1, 33)]


def test_an_administrator_keeps_two_conversations_apart(signed_in_page, client_a, client_b, admin):
    alice = open_client_chat(signed_in_page, client_a)
    bob = open_client_chat(signed_in_page, client_b)
    send(alice, "Message to EMS support", "Alice here: my bill is too high.")
    send(bob, "Message to EMS support", "Bob here: my meter is offline.")
    expect(bob.get_by_text("Bob here: my meter is offline.")).to_be_visible()

    staff = open_staff_chat(signed_in_page, admin)
    # Unread counts in the list before any conversation is open.
    expect(staff.get_by_role("button", name="Alice Client, 1 unread")).to_be_visible()
    expect(staff.get_by_role("button", name="Bob Client, 1 unread")).to_be_visible()
    staff.get_by_role("button", name="Alice Client, 1 unread").click()
    staff.get_by_role("button", name="Bob Client, 1 unread").click()
    with_alice = conversation_panel(staff, "Alice Client")
    with_bob = conversation_panel(staff, "Bob Client")
    expect(with_alice.get_by_text("Alice here: my bill is too high.")).to_be_visible()
    expect(with_bob.get_by_text("Bob here: my meter is offline.")).to_be_visible()
    # Opening them read them.
    expect(staff.get_by_role("button", name="Alice Client", exact=True)).to_be_visible()
    expect(staff.get_by_role("button", name="Bob Client", exact=True)).to_be_visible()

    send(staff, "Message to Bob Client", "Bob, we will send a technician.")
    send(staff, "Message to Alice Client", "Alice, your tariff changed in May.")
    send(alice, "Message to EMS support", "Alice again: thank you.")

    expect(bob.get_by_text("Bob, we will send a technician.")).to_be_visible()
    expect(alice.get_by_text("Alice, your tariff changed in May.")).to_be_visible()
    expect(with_alice.get_by_text("Alice again: thank you.")).to_be_visible()
    # Everything has arrived where it belongs; nothing crossed over.
    expect(with_bob.get_by_role("listitem")).to_have_count(2)
    expect(with_alice.get_by_role("listitem")).to_have_count(3)
    expect(with_bob.get_by_text(re.compile("Alice"))).to_have_count(0)
    expect(bob.get_by_text(re.compile("Alice"))).to_have_count(0)
    expect(alice.get_by_text(re.compile("Bob"))).to_have_count(0)

    # Closing one leaves the other open.
    with_bob.get_by_role("button", name="Close the conversation with Bob Client").click()
    expect(with_bob).to_have_count(0)
    expect(with_alice).to_be_visible()


def test_the_client_chat_works_on_a_phone(signed_in_page, client_a):
    alice = signed_in_page(
        client_a, "/chat/", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    expect(alice.locator("body")).to_have_attribute("data-chat-ready", "true")
    send(alice, "Message to EMS support", "Sent from my phone.")
    message = alice.get_by_text("Sent from my phone.")
    expect(message).to_be_in_viewport()
    # Nothing wider than the screen: no sideways scrolling.
    assert alice.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_live_alert_shows_a_toast_and_raises_the_counter_without_a_reload(
    signed_in_page, client_a, client_b
):
    meter = assigned_meter(client_a, max_hourly_kwh="2.000")
    hour = last_full_hour()
    page = signed_in_page(client_a, "/dashboard/")
    bob = signed_in_page(client_b, "/dashboard/")
    for each in (page, bob):
        expect(each.locator("body")).to_have_attribute("data-socket-notifications", "open")
    badge = page.locator("[data-alert-count]")
    expect(badge).to_be_hidden()

    # The ingestion service stores the readings and pushes the alert on commit, as the worker.
    in_a_thread(lambda: ingest(meter, hour - HOUR, 0.0, 2.75))

    toast = page.get_by_role("alert").filter(has_text="Consumption over the limit:")
    expect(toast).to_contain_text("2.75 kWh")
    expect(toast.get_by_role("link")).to_have_attribute("href", f"/devices/{meter.id}/")
    expect(badge).to_be_visible()
    expect(page.locator("[data-alert-count-value]")).to_have_text("1")

    in_a_thread(lambda: ingest(meter, hour, 2.75, 5.0))
    expect(page.locator("[data-alert-count-value]")).to_have_text("2")
    # Another client's page hears nothing of it.
    expect(bob.get_by_text("Consumption over the limit:")).to_have_count(0)
    expect(bob.locator("[data-alert-count]")).to_be_hidden()


def test_after_its_token_expires_the_socket_reconnects_with_a_new_one_and_catches_up(
    signed_in_page, client_a
):
    """The alerts API, the socket and the token endpoint are real. Only the page's first token
    is replaced, by one that expires in 6 s (the endpoint issues 15-minute tokens), so that the
    server closes the socket during the test. (With 3 s, a loaded machine took longer than that
    to show the page, and the socket had already reconnected before its first state was seen.)"""
    meter = assigned_meter(client_a, max_hourly_kwh="2.000")
    hour = last_full_hour()
    in_a_thread(lambda: ingest(meter, hour - HOUR, 0.0, 2.5))
    known = Alert.objects.using("monitoring").get()
    short_lived = access_token(client_a, lifetime=timedelta(seconds=6))
    token_requests = []
    alert_queries = []

    def token(route):
        token_requests.append(route.request.url)
        if len(token_requests) == 1:
            # A token that dies in 6 s, claimed to live an hour, so the page keeps using it.
            route.fulfill(json={"access": short_lived, "expires_at": time.time() + 3600})
            return
        if len(token_requests) == 2:
            # The socket was refused and is closed: an alert raised now reaches no page live.
            in_a_thread(lambda: ingest(meter, hour, 2.5, 5.75))
        route.continue_()

    def record(request):
        if "/api/alerts/" in request.url:
            alert_queries.append(parse_qs(urlsplit(request.url).query))

    def prepare(page):
        page.route("**/web/token/", token)
        page.on("request", record)

    page = signed_in_page(client_a, "/dashboard/", before_goto=prepare)
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    expect(page.locator("[data-alert-count-value]")).to_have_text("1")
    # The server closes the socket when the token expires (4401); the page gets a fresh token,
    # reconnects and asks for the alerts raised after the last one it knew.
    toast = page.get_by_role("alert").filter(has_text="Consumption over the limit:")
    expect(toast).to_contain_text("3.25 kWh", timeout=15_000)
    expect(page.locator("[data-alert-count-value]")).to_have_text("2")
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")
    assert len(token_requests) >= 2
    assert {"since": [str(known.id)]} in alert_queries


def test_an_administrator_chats_by_keyboard_alone(signed_in_page, client_a, admin):
    in_a_thread(seed_messages, client=client_a, count=1)
    staff = open_staff_chat(signed_in_page, admin)
    conversation = staff.get_by_role("button", name="Alice Client, 1 unread")
    conversation.focus()
    staff.keyboard.press("Enter")

    box = staff.get_by_label("Message to Alice Client")
    expect(box).to_be_focused()
    staff.keyboard.type("Typed without a mouse.")
    staff.keyboard.press("Shift+Enter")
    staff.keyboard.type("Second line.")
    staff.keyboard.press("Enter")
    panel = conversation_panel(staff, "Alice Client")
    expect(panel.locator(".chat__body").last).to_have_text("Typed without a mouse.\nSecond line.")

    panel.get_by_role("button", name="Close the conversation with Alice Client").focus()
    staff.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    # Focus goes back to the conversation in the list, not to the top of the page.
    expect(staff.get_by_role("button", name="Alice Client", exact=True)).to_be_focused()


def test_a_client_sees_unread_support_messages_in_the_nav(signed_in_page, client_a, admin):
    in_a_thread(seed_messages, client=client_a, count=1, sender=admin, text="Message number {}")
    page = signed_in_page(client_a, "/dashboard/")
    badge = page.get_by_role("link", name=re.compile("Support chat"))
    expect(badge).to_have_accessible_name(re.compile(r"Support chat\s*1 unread"))

    page.get_by_role("link", name=re.compile("Support chat")).click()
    expect(page.get_by_role("log").get_by_text("Message number 1")).to_be_visible()
    # Read on the chat page (the receipt is stored), so the next page's badge is gone.
    deadline = time.monotonic() + 10
    while not ReadState.objects.filter(user_id=client_a.id, last_read_message_id__gt=0).exists():
        assert time.monotonic() < deadline, "the chat page sent no read receipt"
        time.sleep(0.1)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Your meters")).to_be_visible()
    expect(page.locator("[data-chat-unread]")).to_be_hidden()


def test_a_message_sent_while_the_history_loads_stays_on_the_page(signed_in_page, client_a):
    """The history, read before the message was stored, arrives after its push: the page keeps
    the message (it wiped it, and showed "No messages yet", when the history was slow)."""
    held = []

    def hold_the_first_history(page):
        def handler(route):
            if held:
                route.continue_()
            else:
                held.append((route, route.fetch()))  # answered now, delivered later

        page.route(re.compile(r"/api/chat/conversations/\d+/messages/\?"), handler)

    alice = signed_in_page(client_a, "/chat/", before_goto=hold_the_first_history)
    expect(alice.locator("body")).to_have_attribute("data-chat-ready", "true")
    send(alice, "Message to EMS support", "Sent before the history came.")
    expect(alice.get_by_text("Sent before the history came.")).to_be_visible()
    route, history = held[0]
    route.fulfill(response=history)
    log = alice.get_by_role("log", name="Messages with EMS support")
    expect(log).to_have_attribute("aria-busy", "false")
    expect(alice.get_by_text("Sent before the history came.")).to_be_visible()
    expect(alice.get_by_text("No messages yet")).to_have_count(0)
