#!/usr/bin/env python3
"""Prints a free loopback port P whose successor P+1 is free too: swtpm's command and control
ports, which the swtpm TCTI of the TPM software stack expects side by side (it takes only P)."""
import socket

for _ in range(100):
    first = socket.socket()
    first.bind(("127.0.0.1", 0))
    port = first.getsockname()[1]
    second = socket.socket()
    try:
        second.bind(("127.0.0.1", port + 1))
    except (OSError, OverflowError):
        continue
    finally:
        first.close()
        second.close()
    print(port)
    break
else:
    raise SystemExit("no two adjacent free loopback ports")
