#!/usr/bin/env python3
"""The checks, the summary table and the plot of `make soak` (scripts/soak.sh), from what the
run left in OUT: samples.tsv (scripts/soak/sample.py), faults.tsv and messages.json (the
emulator's GET /admin/messages). Prints the table, writes OUT/summary.md and OUT/soak.png, and
exits 1 when a check fails.
"""
import argparse
import json
import re
import subprocess
import sys
from datetime import datetime


def number(text):
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def read_tsv(path):
    with open(path) as tsv:
        header = tsv.readline().rstrip("\n").split("\t")
        rows = []
        for line in tsv:
            values = line.rstrip("\n").split("\t")
            rows.append({name: value if name == "kind" else number(value) for name, value in zip(header, values)})
    return rows


def creation_time(message):
    text = (message.get("properties") or {}).get("iothub-creation-time-utc")
    if text is None:
        return None
    # 2026-12-07T23:40:16.123Z, fraction optional
    text = text.rstrip("Z")
    if "." in text:
        whole, fraction = text.split(".", 1)
        text = whole + "." + (fraction + "000000")[:6]
    else:
        text += ".000000"
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")


def delivery(messages, readings):
    """What arrived against what was taken: distinct message IDs, their sequence numbers (the
    part after the last '-'), repeats, and whether creation times follow the sequence."""
    by_sequence = {}
    arrivals = 0
    prefixes = set()
    for message in messages:
        message_id = message.get("messageId") or ""
        prefix, _, number = message_id.rpartition("-")
        if not number.isdigit():
            continue
        arrivals += 1
        prefixes.add(prefix)
        by_sequence.setdefault(int(number), message)
    sequences = sorted(by_sequence)
    missing = sorted(set(range(1, readings + 1)) - set(sequences))
    extra = [s for s in sequences if s > readings]
    times = [creation_time(by_sequence[s]) for s in sequences]
    in_order = all(a is not None and b is not None and a < b for a, b in zip(times, times[1:]))
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:]) if a is not None and b is not None]
    return {
        "distinct": len(sequences), "arrivals": arrivals, "repeats": arrivals - len(sequences),
        "missing": missing, "extra": extra, "prefixes": prefixes, "in_order": in_order,
        "largest_gap": max(gaps) if gaps else 0.0, "timed": sum(t is not None for t in times),
    }


def window_figures(samples, start, end):
    rows = [s for s in samples if start <= s["seconds"] < end]
    if len(rows) < 2:
        return None
    return {
        "rss": max(r["rss_kib"] for r in rows),
        "rss_median": sorted(r["rss_kib"] for r in rows)[len(rows) // 2],
        "fds": max(r["descriptors"] for r in rows),
        "cpu_rate": (rows[-1]["cpu_seconds"] - rows[0]["cpu_seconds"]) / (rows[-1]["seconds"] - rows[0]["seconds"]),
        "spool": max(r["spool_bytes"] for r in rows),
    }


def outages_back_to_floor(samples, faults):
    """For each outage: the largest backlog from its start until the next fault, and the smallest
    backlog between its end and the next fault (the floor is an empty spool)."""
    results = []
    for index, fault in enumerate(faults):
        if fault["kind"] != "outage":
            continue
        following = faults[index + 1]["start_seconds"] if index + 1 < len(faults) else float("inf")
        during = [s["spool_pending"] for s in samples if fault["start_seconds"] <= s["seconds"] < following]
        after = [s["spool_pending"] for s in samples if fault["end_seconds"] <= s["seconds"] < following]
        results.append((max(during, default=0), min(after, default=None)))
    return results


def met(log_path, pattern):
    with open(log_path, errors="replace") as log:
        return sum(1 for line in log if re.search(pattern, line))


def plot(out, samples_path, faults, minute_seconds, title):
    hours = f"($1 / {minute_seconds} / 60)"
    bands = "".join(
        f"set object {i + 1} rect from {f['start_seconds'] / minute_seconds / 60},graph 0 to "
        f"{max(f['end_seconds'], f['start_seconds'] + minute_seconds) / minute_seconds / 60},graph 1 "
        f"behind fillstyle solid 0.25 noborder fillcolor rgb '#e07070'\n"
        for i, f in enumerate(faults) if f["kind"] == "outage")
    script = f"""
set terminal pngcairo size 900,860 font ',9'
set output '{out}/soak.png'
set datafile separator '\\t'
set key top left
set grid
set xrange [0:*]
set lmargin 12
set multiplot layout 4,1 title '{title}'
{bands}
set ylabel 'resident set (KiB)'
set offsets 0, 0, 16, 16
plot '{samples_path}' skip 1 using {hours}:2 with steps lc rgb '#1f5fa0' title 'VmRSS'
set offsets 0, 0, 0, 0
set ylabel 'CPU (s, user+sys)'
plot '{samples_path}' skip 1 using {hours}:3 with lines lc rgb '#2a8a2a' title 'utime+stime'
set ylabel 'open descriptors'
set yrange [0:*]
set key bottom left
plot '{samples_path}' skip 1 using {hours}:4 with steps lc rgb '#806000' title '/proc/PID/fd'
set ylabel 'spool'
set key top left
set xlabel 'virtual hours (one reading a minute); red: hub outages'
set y2label 'readings not yet acknowledged'
set y2range [0:*]
set y2tics
set ytics nomirror
plot '{samples_path}' skip 1 using {hours}:5 with steps lc rgb '#a02080' title 'spool file (bytes)', \\
     '' skip 1 using {hours}:6 axes x1y2 with steps lc rgb '#e08000' title 'backlog (readings)'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--readings", type=int, required=True)
    parser.add_argument("--interval-ms", type=int, required=True)
    parser.add_argument("--kelvin-status", type=int, required=True)
    parser.add_argument("--kelvin-log", required=True)
    parser.add_argument("--cloud-log", required=True)
    parser.add_argument("--fault-every", type=int, required=True)
    parser.add_argument("--rss-tolerance-kib", type=int, required=True)
    parser.add_argument("--fd-tolerance", type=int, required=True)
    args = parser.parse_args()

    samples = read_tsv(f"{args.out}/samples.tsv")
    faults = read_tsv(f"{args.out}/faults.tsv")
    with open(f"{args.out}/messages.json") as messages_file:
        messages = json.load(messages_file)["messages"]
    minute = args.interval_ms / 1000
    if len(samples) < 48:
        print(f"soak: FAIL: only {len(samples)} samples; the run is too short to compare its first and last 24th")
        return 1

    span = samples[-1]["seconds"]
    hour = span / 24  # a virtual hour when the run is a day
    first = window_figures(samples, 0, hour)
    last = window_figures(samples, span - hour, span + 1)
    got = delivery(messages, args.readings)
    floors = outages_back_to_floor(samples, faults)
    kinds = ["outage", "close-mid-body", "stall", "re-registration"]
    injected = {kind: sum(1 for f in faults if f["kind"] == kind) for kind in kinds}
    met_counts = {
        "outage": met(args.cloud_log, r"refused telemetry for .*: 503"),
        "close-mid-body": met(args.cloud_log, r"fault: .*: close in the middle of the answer"),
        "stall": met(args.cloud_log, r"fault: .*: never answer"),
        "re-registration": max(0, met(args.cloud_log, r"dps: .* registering") - 1),
    }
    cpu_total = samples[-1]["cpu_seconds"]

    checks = []

    def check(name, passed, detail):
        checks.append((name, passed, detail))

    rss_rise = last["rss"] - first["rss"]
    check("resident set flat", rss_rise <= args.rss_tolerance_kib,
          f"last hour's highest {last['rss']} KiB vs first hour's {first['rss']} KiB: {rss_rise:+d} KiB"
          f" (allowed +{args.rss_tolerance_kib} KiB)")
    fd_rise = last["fds"] - first["fds"]
    check("descriptors flat", fd_rise <= args.fd_tolerance,
          f"last hour's highest {last['fds']} vs first hour's {first['fds']}: {fd_rise:+d} (allowed +{args.fd_tolerance})")
    back = sum(1 for _, low in floors if low == 0)
    felt = sum(1 for high, _ in floors if high > 0)
    check("spool back to its floor after each outage", floors and back == len(floors),
          f"{back} of {len(floors)} outages drained to an empty backlog before the next fault;"
          f" {felt} of them built one (largest {max((h for h, _ in floors), default=0)} readings)")
    check("every reading delivered", not got["missing"] and not got["extra"] and got["distinct"] == args.readings,
          f"{got['distinct']} distinct of {args.readings} taken"
          + (f"; missing {got['missing'][:10]}" if got["missing"] else "")
          + (f"; unexpected {got['extra'][:10]}" if got["extra"] else ""))
    check("sequence without gaps, creation times in order",
          got["in_order"] and got["timed"] == got["distinct"] and len(got["prefixes"]) == 1,
          f"sequence 1..{args.readings} under {len(got['prefixes'])} message-ID prefix(es);"
          f" {got['timed']} with a creation time, in order: {'yes' if got['in_order'] else 'no'};"
          f" largest step {got['largest_gap']:.2f} s")
    check("every fault met", all(met_counts[k] > 0 for k in kinds if injected[k] > 0),
          ", ".join(f"{k} {injected[k]} injected / {met_counts[k]} met" for k in kinds))
    check("kelvin exited 0", args.kelvin_status == 0, f"exit status {args.kelvin_status}")

    per_hour = 3600 / minute / 60  # real seconds in a virtual hour
    table = [
        f"Soak: {args.readings} readings, one per virtual minute of {args.interval_ms} ms"
        f" ({span / 60:.1f} min of real time); a fault every {args.fault_every} virtual minutes.",
        "",
        "| | first hour | last hour | change |",
        "|---|---:|---:|---:|",
        f"| resident set, highest (KiB) | {first['rss']} | {last['rss']} | {rss_rise:+d} |",
        f"| resident set, median (KiB) | {first['rss_median']} | {last['rss_median']} | {last['rss_median'] - first['rss_median']:+d} |",
        f"| open descriptors, highest | {first['fds']} | {last['fds']} | {fd_rise:+d} |",
        f"| CPU per virtual hour (s) | {first['cpu_rate'] * per_hour:.2f} | {last['cpu_rate'] * per_hour:.2f} | |",
        f"| spool file, largest (bytes) | {first['spool']} | {last['spool']} | |",
        "",
        "| the day | |",
        "|---|---|",
        f"| readings taken / distinct at the hub / repeated arrivals (answers cut after storing) | {args.readings} / {got['distinct']} / {got['repeats']} |",
        f"| faults injected (met) | " + ", ".join(f"{k} {injected[k]} ({met_counts[k]})" for k in kinds) + " |",
        f"| outages the backlog drained after | {back} of {len(floors)} (largest backlog {max((h for h, _ in floors), default=0)} readings) |",
        f"| spool file, largest (bytes) | {max(s['spool_bytes'] for s in samples)} |",
        f"| CPU for the day, user+sys (s) | {cpu_total:.2f} |",
        "",
        "| check | result | |",
        "|---|---|---|",
    ] + [f"| {name} | {'PASS' if passed else 'FAIL'} | {detail} |" for name, passed, detail in checks]
    text = "\n".join(table) + "\n"
    with open(f"{args.out}/summary.md", "w") as summary:
        summary.write(text)
    print(text, end="")
    plot(args.out, f"{args.out}/samples.tsv", faults, minute,
         f"kelvin (Embedded build), {args.readings} readings at one a virtual minute, a fault every few minutes")
    print(f"soak: wrote {args.out}/summary.md, {args.out}/samples.tsv and {args.out}/soak.png")
    failed = [name for name, passed, _ in checks if not passed]
    if failed:
        print("soak: FAIL: " + "; ".join(failed))
        return 1
    print("soak: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
