"""What a local checkout keeps for itself: the secret key `python3 -m newsroom run` makes.

Standard library only: `python3 -m newsroom` and `manage.py` read it before Django is set up.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Inside .venv/, which git ignores: never committed, and gone with the environment.
LOCAL_SECRET_KEY_FILE = BASE_DIR / ".venv" / ".newsroom-secret-key"


def local_secret_key() -> str:
    """This checkout's secret key, made the first time it is asked for."""
    if not LOCAL_SECRET_KEY_FILE.exists():
        LOCAL_SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
        LOCAL_SECRET_KEY_FILE.chmod(0o600)
    return LOCAL_SECRET_KEY_FILE.read_text().strip()


def use_local_secret_key(environ=os.environ) -> bool:
    """Give `manage.py` this checkout's key when DJANGO_SECRET_KEY is not set and
    `python3 -m newsroom run` has made one, so that the README's commands work from the same
    shell with nothing set. Whether it did.

    Only `manage.py` asks: the site as production serves it (newsroom.wsgi) always needs
    DJANGO_SECRET_KEY, and a production install (the README's `pip install -e .`) has no such
    file, so its commands need the key too. `check --deploy` warns if the key is this file's.
    """
    if environ.get("DJANGO_SECRET_KEY", "").strip() or not LOCAL_SECRET_KEY_FILE.exists():
        return False
    environ["DJANGO_SECRET_KEY"] = LOCAL_SECRET_KEY_FILE.read_text().strip()
    return True


def check_secret_key(app_configs=None, **kwargs):
    """`manage.py check --deploy`: a warning when the site runs on this checkout's local key."""
    from django.conf import settings
    from django.core.checks import Warning

    if not LOCAL_SECRET_KEY_FILE.exists():
        return []
    if LOCAL_SECRET_KEY_FILE.read_text().strip() != settings.SECRET_KEY:
        return []
    return [
        Warning(
            "The secret key is this checkout's local one, made by `python3 -m newsroom run` "
            f"({LOCAL_SECRET_KEY_FILE}).",
            hint="Set DJANGO_SECRET_KEY for production (README: Running in production).",
            id="newsroom.W001",
        )
    ]
