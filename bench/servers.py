"""Gunicorn servers for the benchmark: started on a free port of 127.0.0.1, stopped by their PID.

Each server runs in a process group of its own (start_new_session), so stopping it stops its
workers too and nothing else.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

WORKERS = 2
AVOIDED_PORTS = {8000}  # the site's usual development port: never take it from a developer


def free_port() -> int:
    """A port on 127.0.0.1 that nothing is listening on (the kernel picks; we bind to check)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in AVOIDED_PORTS:
            return port
    raise RuntimeError("No free port on 127.0.0.1.")


def fetch(url: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """GET `url` without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Gunicorn:
    """`with Gunicorn(...) as server:` serves `app` at server.url until the block ends."""

    def __init__(self, name: str, app: str, env: dict[str, str], *, cwd: Path, log_dir: Path):
        self.name, self.app, self.env, self.cwd = name, app, env, cwd
        self.log = log_dir / f"gunicorn-{name}.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(self.cwd),
            "--log-level",
            "warning",
            self.app,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_until_ready(self, path: str, timeout: float = 60) -> None:
        """Until `path` answers 200, or raise with the server's log."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.process.returncode}).\n{self.tail()}"
                )
            try:
                status, _headers, _body = fetch(self.url + path, timeout=10)
            except OSError as error:
                last = str(error)
            else:
                if status == 200:
                    return
                last = f"HTTP {status}"
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready at {self.url}{path}: {last}.\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master), for profilers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Its own session, so the group id is the master's PID; signalled only while the master
        # is not yet reaped, so the id cannot have passed to anyone else. Gunicorn's master
        # stops its workers on SIGTERM; SIGKILL to the group takes them down with it.
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            self.process.wait(timeout=15)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
