"""Set up a local checkout and run it: `python3 -m newsroom run` or `python3 -m newsroom test`.

Needs nothing but Python 3.11+: it makes `.venv/`, installs the project into it when
pyproject.toml has changed, then hands over to manage.py or pytest inside that environment.
Uses the standard library only, because it runs before any dependency is installed.
"""

import argparse
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 - this runs on whatever python3 the reader has
    sys.exit("Newsroom needs Python 3.11 or newer.")

from .checkout import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_DIR = BASE_DIR / ".venv"
BIN_DIR = VENV_DIR / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN_DIR / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(extras: str = "") -> None:
    """Create the virtual environment and install the project, unless already up to date.

    An environment installed with the development extras also serves `run`.
    """
    target = f".[{extras}]" if extras else "."
    project = hashlib.sha256((BASE_DIR / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV_DIR / ".newsroom-installed"
    if stamp.exists():
        installed_project, _, installed_extras = stamp.read_text().partition(":")
        if installed_project == project and extras in {"", installed_extras}:
            return
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV_DIR} …", flush=True)
        venv.create(VENV_DIR, with_pip=True)
    print(f"Installing Newsroom and its dependencies ({target}) …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "--editable", target], cwd=BASE_DIR, check=True)
    stamp.write_text(f"{project}:{extras}")


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def parse_address(address: str) -> tuple[str, int]:
    """ "8000", "127.0.0.1:8000" or "[::1]:8000" as (host, port)."""
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"Give the address as PORT or HOST:PORT, not {address!r}.")
    return host.strip("[]") or "127.0.0.1", int(port)


def free_port(host: str, port: int, tries: int = 20) -> int:
    """`port`, or the next one up that nothing is listening on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, min(port + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    raise SystemExit(f"Ports {port} to {port + tries - 1} on {host} are all in use.")


def run_site(address: str, debug: bool = False) -> int:
    ensure_environment()
    host, wanted = parse_address(address)
    port = free_port(host, wanted)
    if port != wanted:
        print(f"Port {wanted} is in use; using {port} instead.", flush=True)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    env = {**os.environ}
    # What editors upload (lead images) is served by the site itself, here only.
    env.setdefault("DJANGO_SERVE_MEDIA", "true")
    if debug:
        env.setdefault("DJANGO_DEBUG", "true")
    else:
        # As readers get it: debug off, the designed error pages, hashed compressed static files;
        # plain HTTP because this serves 127.0.0.1.
        env.setdefault("DJANGO_DEBUG", "false")
        env.setdefault("DJANGO_HTTPS", "false")
        env.setdefault("DJANGO_SECRET_KEY", local_secret_key())
    manage("migrate", "--no-input", "--verbosity", "0", env=env)
    if env["DJANGO_DEBUG"].lower() not in {"1", "true", "yes", "on"}:
        manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
    # Seeding and the first login are for this machine only; the command insists on debug.
    manage("bootstrap_local", "--site-url", url, env={**env, "DJANGO_DEBUG": "true"})
    # Background jobs (CDN purges) are rows in the database; a worker beside the site runs them.
    # Its own session: Ctrl+C reaches the site, and the worker gets one SIGTERM from here, on
    # which it finishes the job it is running.
    worker = subprocess.Popen(
        [str(PYTHON), "manage.py", "db_worker"], cwd=BASE_DIR, env=env, start_new_session=True
    )
    print(f"Running background jobs in a worker (process {worker.pid}).", flush=True)
    print(f"\nServing the site at {url}/ (Ctrl+C to stop).\n", flush=True)
    options = [] if debug else ["--noreload"]
    # Stopped with SIGTERM as with Ctrl+C: runserver and the worker stop with the site.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        manage("runserver", f"{shown_host}:{port}", *options, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        stop_worker(worker)
    return 0


def stop_worker(worker: subprocess.Popen) -> None:
    """Let the worker finish the job it is running, then stop; kill it after 30 s."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


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
    run.add_argument("address", nargs="?", default="127.0.0.1:8000", help="PORT or HOST:PORT")
    run.add_argument(
        "--debug",
        action="store_true",
        help="Django's debug mode: tracebacks in the browser and reloading on code changes",
    )
    commands.add_parser("test", help="set up and run the test suite (extra args go to pytest)")
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run_site(args.address, debug=args.debug)
    return run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
