#!/usr/bin/env python3
"""Samples one process once a second until it exits, for `make soak` (scripts/soak.sh).

    sample.py PID STATE-DIR OUTPUT.tsv START

Each line: seconds since START (a Unix time, as `date +%s.%N` prints it), resident set (KiB, VmRSS), CPU time (user + system,
seconds), open descriptors, bytes of the spool files in STATE-DIR, and readings the spool still
holds unacknowledged (read from the spool's own records, so the backlog is seen apart from the
acknowledged bytes a compaction has not yet removed).
"""
import os
import sys
import time
import zlib

TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise ProcessLookupError(pid)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may hold spaces; the fields after its closing parenthesis do not.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def spool_bytes(state_dir):
    total = 0
    for name in os.listdir(state_dir) if os.path.isdir(state_dir) else []:
        if name.startswith("spool"):
            try:
                total += os.stat(os.path.join(state_dir, name)).st_size
            except FileNotFoundError:
                pass  # a compaction's temporary file, renamed away between the listing and here
    return total


def spool_pending(path):
    """Readings in the spool file past its last acknowledgement. The layout is SpoolRecord's:
    length (UInt16 LE) | payload | CRC-32 (LE) of length and payload; payload[0] 1 is a reading,
    3 an acknowledgement counting the readings from the start the hub has taken. A torn or
    half-written tail ends the walk, as it ends the agent's own recovery."""
    try:
        with open(path, "rb") as spool:
            data = spool.read()
    except FileNotFoundError:
        return 0
    readings = acknowledged = offset = 0
    while offset + 2 <= len(data):
        length = int.from_bytes(data[offset:offset + 2], "little")
        end = offset + 2 + length + 4
        if length == 0 or end > len(data):
            break
        if zlib.crc32(data[offset:end - 4]) != int.from_bytes(data[end - 4:end], "little"):
            break
        kind = data[offset + 2]
        if kind == 1:
            readings += 1
        elif kind == 3:
            acknowledged = int.from_bytes(data[offset + 3:offset + 11], "little")
        offset = end
    return readings - acknowledged


def main():
    pid, state_dir, output, start = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    ticking = time.monotonic()
    with open(output, "w") as out:
        out.write("seconds\trss_kib\tcpu_seconds\tdescriptors\tspool_bytes\tspool_pending\n")
        tick = 0
        while True:
            try:
                row = (rss_kib(pid), cpu_seconds(pid), descriptors(pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            stamp = time.time() - start
            out.write("%.2f\t%d\t%.2f\t%d\t%d\t%d\n" % (
                stamp, *row, spool_bytes(state_dir), spool_pending(os.path.join(state_dir, "spool"))))
            out.flush()
            tick += 1
            time.sleep(max(0.0, ticking + tick - time.monotonic()))


if __name__ == "__main__":
    main()
