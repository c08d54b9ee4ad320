"""Set up a local checkout and run it: `python3 -m newsroom run` or `python3 -m newsroom test`.

Needs nothing but Python 3.11+: it makes `.venv/`, installs the project into it when
pyproject.toml has changed, then hands over to manage.py or pytest inside that environment.
Uses the standard library only, because it runs before any dependency is installed.
"""

import argparse
import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 - this runs on whatever python3 the reader has
    sys.exit("Newsroom needs Python 3.11 or newer.")

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_DIR = BASE_DIR / ".venv"
BIN_DIR = VENV_DIR / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN_DIR / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(extras: str = "") -> None:
    """Create the virtual environment and install the project, unless already up to date."""
    target = f".[{extras}]" if extras else "."
    fingerprint = hashlib.sha256(
        (BASE_DIR / "pyproject.toml").read_bytes() + target.encode()
    ).hexdigest()
    stamp = VENV_DIR / ".newsroom-installed"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV_DIR} …", flush=True)
        venv.create(VENV_DIR, with_pip=True)
    print(f"Installing Newsroom and its dependencies ({target}) …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "--editable", target], cwd=BASE_DIR, check=True)
    stamp.write_text(fingerprint)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def run_site(address: str) -> int:
    ensure_environment()
    env = {**os.environ}
    env.setdefault("DJANGO_DEBUG", "true")
    manage("migrate", "--no-input", "--verbosity", "0", env=env)
    manage("bootstrap_local", env=env)
    print(f"\nServing the site at http://{address}/ (Ctrl+C to stop).\n", flush=True)
    try:
        manage("runserver", address, env=env)
    except KeyboardInterrupt:
        return 0
    return 0


def run_tests(pytest_args: list[str]) -> int:
    ensure_environment("dev")
    env = {**os.environ}
    # Tests run production settings (debug off), over plain HTTP so the test client needs no TLS.
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("DJANGO_DEBUG", "false")
    env.setdefault("DJANGO_HTTPS", "false")
    return subprocess.run(
        [str(PYTHON), "-m", "pytest", *pytest_args], cwd=BASE_DIR, env=env
    ).returncode


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m newsroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="set up, seed and serve the site locally")
    run.add_argument("address", nargs="?", default="127.0.0.1:8000")
    commands.add_parser("test", help="set up and run the test suite (extra args go to pytest)")
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run_site(args.address)
    return run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
