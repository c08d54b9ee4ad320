"""What a benchmark record says about where it ran: the machine, its load, the software and
the commit measured."""

import os
import platform
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown CPU"


def memory() -> str:
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    except OSError:
        return "unknown memory"
    return f"{int(match.group(1)) / 1024**2:.0f} GiB memory" if match else "unknown memory"


def uname() -> str:
    try:
        result = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return " ".join(part for part in platform.uname() if part)
    return result.stdout.strip()


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def revision() -> str:
    """The commit measured, and the files of the work tree that differed from it (the
    benchmark's own bench/ and docs/ left out: it writes there itself)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown"
    paths = [line[3:] for line in changed if not line[3:].startswith(("bench/", "docs/"))]
    if not paths:
        return commit or "unknown"
    shown = ", ".join(f"`{path}`" for path in paths[:5])
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return f"{commit} with uncommitted changes to {shown}{more}"


def machine(database_version: str, generator: str) -> dict:
    import django
    import gunicorn

    return {
        "uname": uname(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": memory(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "database": database_version,
        "load_generator": generator,
        "load_before": load_average(),
    }
