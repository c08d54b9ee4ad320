"""Load generators: wrk when it is installed, else a small bounded one in Python threads.

Both send GET requests to one URL on 127.0.0.1 for a fixed number of seconds over a fixed
number of connections, and report requests/s with the 50th and 99th latency percentiles.
"""

import http.client
import math
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# wrk counts a request that takes longer than this as a timeout and leaves it out of the
# percentiles; a slow cold page must be measured, not dropped.
WRK_TIMEOUT = "30s"
# The Python generator stops after this many requests per connection, whatever the duration.
MAX_REQUESTS_PER_CONNECTION = 100_000


@dataclass
class Measurement:
    tool: str
    seconds: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int = 0
    socket_errors: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk\s+(?:\S+/)?([\d.]+)", result.stdout + result.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"


def measure(url: str, *, duration: int, connections: int, tool: str = "auto") -> Measurement:
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return run_wrk(url, duration=duration, connections=connections)
    return run_python(url, duration=duration, connections=connections)


def run_wrk(
    url: str, *, duration: int, connections: int, script: Path | None = None
) -> Measurement:
    """wrk at `url`; with `script`, a Lua script (`wrk -s`) chooses each request's path."""
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        *(["--script", str(script)] if script else []),
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


def to_ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse_wrk(output: str) -> Measurement:
    """Figures from `wrk --latency` output; raises ValueError when any is missing."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.MULTILINE)
    percentiles = dict(
        re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m|h))\s*$", output, re.MULTILINE)
    )
    if not (rps and total and {"50", "99"} <= percentiles.keys()):
        raise ValueError(f"Could not read wrk's figures from:\n{output}")

    def latency(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
        return to_ms(value, unit)

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Measurement(
        tool="wrk",
        seconds=round(to_ms(total.group(2), total.group(3)) / 1000, 3),
        requests=int(total.group(1)),
        requests_per_second=float(rps.group(1)),
        p50_ms=round(latency(percentiles["50"]), 3),
        p99_ms=round(latency(percentiles["99"]), 3),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_python(url: str, *, duration: int, connections: int) -> Measurement:
    """The fallback: `connections` threads, each one request after another, for `duration` s.

    Far slower than wrk (the GIL); for the smoke run's "does every target answer", not for
    figures worth recording.
    """
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    errors = [0] * connections
    deadline = time.monotonic() + duration

    def client(index: int) -> None:
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                connection.request("GET", path, headers={"Host": parts.netloc})
                response = connection.getresponse()
                response.read()
                connection.close()
            except OSError:
                errors[index] += 1
                continue
            latencies[index].append((time.perf_counter() - started) * 1000)
            if not 200 <= response.status < 400:
                failures[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.monotonic() - started
    values = sorted(value for per_thread in latencies for value in per_thread)
    return Measurement(
        tool="python",
        seconds=round(elapsed, 3),
        requests=len(values),
        requests_per_second=round(len(values) / elapsed, 2) if elapsed else 0.0,
        p50_ms=round(percentile(values, 0.50), 3),
        p99_ms=round(percentile(values, 0.99), 3),
        non_2xx_3xx=sum(failures),
        socket_errors=sum(errors),
    )
