"""Loaded by every Python process started with this folder on PYTHONPATH (tests only).

Records each host name resolved (``socket.getaddrinfo``) and each address connected
to (``socket.connect``), one per line, in the file named by ``$ARXIV_RADAR_NET_AUDIT``.
"""

import os
import sys

_LOG = os.environ.get("ARXIV_RADAR_NET_AUDIT")


def _record(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else None  # unix sockets: local
    else:
        return
    if host is None:
        return
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{event} {host}\n")


if _LOG:
    sys.addaudithook(_record)
