"""Editors' sessions: Django's database sessions, with keys the site can tell from made-up ones
without asking the database.

A request with a session (an editor) bypasses the page cache and the CDN. With plain random
keys any `sessionid` cookie would do that, so anyone could make every request render a page
(753 → 63 requests/s). Here each key is 24 random characters and a 16-character signature of
them (an HMAC with SECRET_KEY): the page cache (articles/cache/pages.py) checks the signature,
a made-up cookie gets the cached page, and the Varnish configuration
(deploy/varnish/newsroom.vcl) passes only cookies of this shape. Keys are 40 characters, the
length the session table holds; sessions made with plain keys before this no longer log in.
"""

import re

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

RANDOM_LENGTH = 24
SIGNATURE_LENGTH = 16
KEY_PATTERN = re.compile(rf"[a-z0-9]{{{RANDOM_LENGTH}}}[0-9a-f]{{{SIGNATURE_LENGTH}}}")
SALT = "newsroom.sessions.key"


def signature(random_part: str, secret: str | None = None) -> str:
    return salted_hmac(SALT, random_part, secret=secret, algorithm="sha256").hexdigest()[
        :SIGNATURE_LENGTH
    ]


def is_genuine_key(key: str | None) -> bool:
    """Whether `key` is one this site issued (signed with its SECRET_KEY or a fallback)."""
    if not key or not KEY_PATTERN.fullmatch(key):
        return False
    random_part, signed = key[:RANDOM_LENGTH], key[RANDOM_LENGTH:]
    return any(
        constant_time_compare(signed, signature(random_part, secret))
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def new_key() -> str:
    random_part = get_random_string(RANDOM_LENGTH, VALID_KEY_CHARS)
    return random_part + signature(random_part)


class SessionStore(db.SessionStore):
    """Database sessions whose keys are signed; an unsigned or forged key is no session."""

    is_genuine_key = staticmethod(is_genuine_key)

    def _validate_session_key(self, key):
        return is_genuine_key(key)

    def _get_new_session_key(self):
        while True:
            key = new_key()
            if not self.exists(key):
                return key

    async def _aget_new_session_key(self):
        while True:
            key = new_key()
            if not await self.aexists(key):
                return key

    def _get_session_from_db(self):
        if self.session_key is None:  # no cookie, or one the site did not issue
            return None
        return super()._get_session_from_db()
