"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the e-mail tests:
the site sends through Django's SMTP backend, as it would to any provider."""

import email
import email.policy
import time

import pytest

from .ports import free_ports


class Mailbox:
    """What the server received: one parsed message per delivery, with its envelope."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"

    def messages(self):
        return [delivery["message"] for delivery in self.received]

    def wait_for(self, count: int, timeout: float = 10) -> list:
        """The messages once `count` have arrived (a browser test's job runs elsewhere)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on a free port, and the site's e-mail sent to it; yields its Mailbox."""
    from aiosmtpd.controller import Controller

    (port,) = free_ports(1)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "desk@newsroom.test"
    mailbox.port = port
    yield mailbox
    controller.stop()
