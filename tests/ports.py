"""Free TCP ports on 127.0.0.1 for the servers a test starts."""

import socket


def free_ports(count):
    """`count` different free ports: all probes stay open until each has one, or the OS could
    hand the same port out twice (and both "processes" would be one server)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()
