"""A real SMTP server on a free localhost port (aiosmtpd) that keeps what it receives, and the
settings that send Django's mail to it."""

import contextlib
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self, refuse=()):
        self.messages = []
        self.lock = threading.Lock()
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mail_to_port(settings, port: int) -> None:
    """Point Django's mail at 127.0.0.1:`port` (pytest-django's `settings` fixture)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


@contextlib.contextmanager
def smtp_server(port: int, refuse=()) -> Iterator[Inbox]:
    """The server, refusing mail to the addresses in `refuse` (550)."""
    inbox = Inbox(refuse)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
