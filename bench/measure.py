#!/usr/bin/env python3
"""Runs each telemetry client against the benchmark server and prints the tables.

Every figure comes from whole processes, the same way for every client:
  CPU      user + system time of the process (wait4's rusage), without the malloc counter;
  allocs   heap calls counted by the LD_PRELOAD counter in a separate run of the same command;
  peak RSS VmHWM at exit, reported by the counter in that run (a child's ru_maxrss would include
           the size of the Python process it was forked from);
  server   the nginx worker's CPU time (/proc/PID/schedstat) while the client ran.
A client that keeps its connection sends 1 message in one run and 1 + M in another:
  first message = the 1-message run (start-up, identity loading, handshake, one exchange);
  steady state  = (run(1 + M) - run(1)) / M.
`curl` per message is one process per message: each process is its own first and only message.
Each measurement is repeated and the median taken; the clients take turns within a repeat.

By default the clients and the nginx worker share one CPU (--pin same): on a small virtual
machine, a client that sleeps on one core while the server works on the other pays for idle
wake-ups that vary from run to run by 2-3x, which drowns the differences between clients.
--pin split puts the worker on a second CPU (closer to a device waiting on a network); --pin none
leaves placement to the scheduler.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DEVICE = "bench-device"
API = "api-version=2020-03-13"


class Sample:
    def __init__(self, cpu_ms=0.0, rss_kib=0, allocs=0, server_ms=0.0):
        self.cpu_ms = cpu_ms
        self.rss_kib = rss_kib
        self.allocs = allocs
        self.server_ms = server_ms


def server_cpu_ms(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e6


def run_once(argv, args, count_allocs):
    """Runs argv to completion; returns its Sample. Exits the benchmark if the client fails."""
    env = dict(os.environ)
    counts = None
    if count_allocs:
        counts = tempfile.NamedTemporaryFile(prefix="allocs-", dir=args.work, delete=False).name
        env["LD_PRELOAD"] = args.counter
        env["MALLOC_COUNTER_OUT"] = counts
    server_before = server_cpu_ms(args.worker)
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    server_after = server_cpu_ms(args.worker)
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {process.returncode}:\n{stderr.decode(errors='replace')}")
    sample = Sample(
        cpu_ms=(usage.ru_utime + usage.ru_stime) * 1e3,
        server_ms=server_after - server_before,
    )
    if counts:
        with open(counts) as f:
            lines = [line.split() for line in f]
        os.unlink(counts)
        fields = dict(field.split("=") for field in next(line for line in lines if line[0] == "exit")[1:])
        sample.allocs = int(fields["allocs"])
        sample.rss_kib = int(fields["hwm_kib"])
    return sample


def measure(argv, args):
    timed = run_once(argv, args, count_allocs=False)
    counted = run_once(argv, args, count_allocs=True)
    timed.allocs, timed.rss_kib = counted.allocs, counted.rss_kib
    return timed


class Row:
    def __init__(self, name, cpu, allocs, first_cpu, first_allocs, rss, server):
        self.name, self.cpu, self.allocs = name, cpu, allocs
        self.first_cpu, self.first_allocs, self.rss, self.server = first_cpu, first_allocs, rss, server


def kept_alive_repeat(command, messages, args):
    """One repeat of a client whose command(n) sends n messages over one kept-alive connection."""
    one = measure(command(1), args)
    many = measure(command(1 + messages), args)
    return Row(None, (many.cpu_ms - one.cpu_ms) / messages, (many.allocs - one.allocs) / messages,
               one.cpu_ms, one.allocs, many.rss_kib, (many.server_ms - one.server_ms) / messages)


def process_per_message_repeat(command, messages, args):
    """One repeat of a client whose command() is one process that sends one message."""
    samples = [measure(command(), args) for _ in range(messages)]
    med = statistics.median
    cpu = med(s.cpu_ms for s in samples)
    allocs = med(s.allocs for s in samples)
    return Row(None, cpu, allocs, cpu, allocs, max(s.rss_kib for s in samples), med(s.server_ms for s in samples))


def median_row(name, repeats):
    med = statistics.median
    return Row(name, *(med(getattr(r, field) for r in repeats)
                       for field in ("cpu", "allocs", "first_cpu", "first_allocs", "rss", "server")))


def log_lines(path):
    with open(path) as f:
        return f.read().split("\n")[:-1]


def wait_for_lines(path, count):
    """nginx logs a request after the client may have exited: wait until it has (at most 2 s)."""
    for _ in range(200):
        if len(log_lines(path)) >= count:
            return
        time.sleep(0.01)


def reconnect_repeat(command, port, log, connects, args):
    """CPU ms per extra connection (one message each), how many of those resumed, and the TLS
    versions nginx logged for them."""
    before = len(log_lines(log))
    one = run_once(command(1, port), args, count_allocs=False)
    wait_for_lines(log, before + 1)
    start = len(log_lines(log))
    many = run_once(command(1 + connects, port), args, count_allocs=False)
    wait_for_lines(log, start + 1 + connects)
    lines = log_lines(log)[start:]
    # The first connection of a run has no session to resume; the rest can.
    resumed = sum(1 for line in lines[1:] if line.startswith("r "))
    versions = {line.split()[1] for line in lines if len(line.split()) > 1}
    return (many.cpu_ms - one.cpu_ms) / connects, resumed, len(lines) - 1, versions


def ratio(value, floor):
    if floor <= 0:
        return "  n/a " if value > 0 else " 1.00×"
    return f"{value / floor:5.2f}×"


def print_main_table(title, rows):
    floor = rows[0]
    print(f"\n{title}")
    print(f"{'client':<26}{'CPU ms/msg':>11}{'allocs/msg':>11}{'first-msg CPU ms':>18}{'first-msg allocs':>18}"
          f"{'peak RSS KiB':>14}   {'vs floor (CPU, allocs, RSS)':<29}{'nginx CPU ms/msg':>17}")
    for row in rows:
        rss_delta = int(row.rss - floor.rss)
        versus = f"{ratio(row.cpu, floor.cpu)} {ratio(row.allocs, floor.allocs)} {rss_delta:+7d} KiB"
        print(f"{row.name:<26}{row.cpu:>11.4f}{row.allocs:>11.1f}{row.first_cpu:>18.2f}{row.first_allocs:>18.0f}"
              f"{int(row.rss):>14d}   {versus:<29}{row.server:>17.4f}")


def print_reconnect_table(title, rows):
    """rows: (client, resumption, full, resumed, reused, total); each is compared with the floor
    row of the same resumption."""
    floors = {}
    for _, resumption, full, resumed, _, _ in rows:
        floors.setdefault(resumption, (full, resumed))
    print(f"\n{title}")
    print(f"{'client':<26}{'TLS, resumed by':<21}{'full CPU ms/conn':>17}{'resumed CPU ms/conn':>21}{'resumed/full':>14}"
          f"{'vs floor (full, resumed)':>26}{'resumed (all runs)':>20}")
    for name, resumption, full, resumed, reused, total in rows:
        floor_full, floor_resumed = floors[resumption]
        versus = f"{ratio(full, floor_full)}  {ratio(resumed, floor_resumed)}"
        print(f"{name:<26}{resumption:<21}{full:>17.3f}{resumed:>21.3f}{ratio(resumed, full):>14}{versus:>26}"
              f"{f'{reused}/{total}':>20}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with openssl_floor, libcurl_client, malloc_counter.so")
    parser.add_argument("--kelvin", action="append", default=[], metavar="LABEL=PATH", help="a kelvin binary to measure")
    parser.add_argument("--identities", required=True)
    parser.add_argument("--run", required=True, help="the server's runtime directory (its reconnect.log and full.log)")
    parser.add_argument("--worker", required=True, type=int, help="pid of the nginx worker")
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--close-port", required=True, type=int)
    parser.add_argument("--full-port", required=True, type=int)
    parser.add_argument("--close12-port", required=True, type=int, help="TLS 1.2 only, resumption by ticket or ID")
    parser.add_argument("--ids12-port", required=True, type=int, help="TLS 1.2 only, resumption by session ID only")
    parser.add_argument("--full12-port", required=True, type=int, help="TLS 1.2 only, no resumption")
    parser.add_argument("--devices", default="ec,rsa")
    parser.add_argument("--messages", type=int, default=10000, help="extra messages for the kept-alive clients")
    parser.add_argument("--curl-messages", type=int, default=20, help="curl processes per repeat")
    parser.add_argument("--connects", type=int, default=200, help="extra connections for the reconnect table")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pin", choices=("same", "split", "none"), default="same")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    placement = "left to the scheduler"
    if args.pin == "same":
        os.sched_setaffinity(0, {cpus[0]})
        os.sched_setaffinity(args.worker, {cpus[0]})
        placement = f"clients and the nginx worker on CPU {cpus[0]}"
    elif args.pin == "split":
        if len(cpus) < 2:
            sys.exit("bench: --pin split needs two CPUs")
        os.sched_setaffinity(0, {cpus[0]})
        os.sched_setaffinity(args.worker, {cpus[1]})
        placement = f"clients on CPU {cpus[0]}, the nginx worker on CPU {cpus[1]}"
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} CPUs ({model}); {placement}")
    args.counter = os.path.join(args.bin, "malloc_counter.so")
    args.work = tempfile.mkdtemp(prefix="kelvin-bench-")
    kelvins = [tuple(spec.split("=", 1)) for spec in args.kelvin]
    ids = args.identities

    for device in args.devices.split(","):
        label = {"ec": "EC P-256 device key", "rsa": "RSA-4096 device key (the seed's)"}.get(device, device)
        cert = f"{ids}/{device}/device-cert.pem"
        key = f"{ids}/{device}/device-key.pem"
        passphrase = f"{ids}/passphrase"
        ca = f"{ids}/server-ca.pem"

        def floor(n, port=args.port, mode=None):
            argv = [f"{args.bin}/openssl_floor", "--host", "localhost", "--port", str(port), "--ca", ca,
                    "--cert", cert, "--key", key, "--passphrase-file", passphrase, "--device", DEVICE, "--count", str(n)]
            return argv + (["--reconnect", mode] if mode else [])

        def kelvin_command(path):
            def command(n, port=args.port):
                return [path, "send", "--hub", f"localhost:{port}", "--device", DEVICE, "--count", str(n),
                        "--cert", cert, "--key", key, "--ca-file", ca, "--key-passphrase-file", passphrase]
            return command

        def libcurl(n, port=args.port):
            return [f"{args.bin}/libcurl_client", "--url", f"https://localhost:{port}/devices/{DEVICE}/messages/events?{API}",
                    "--ca", ca, "--cert", cert, "--key", key, "--passphrase-file", passphrase,
                    "--device", DEVICE, "--count", str(n)]

        # The seed's command; --cacert is the one addition, since the local server's CA is not in
        # the system store (Azure's is).
        with open(passphrase) as f:
            secret = f.read().strip()

        def curl():
            return ["curl", "-L", "-i", "-X", "POST", "--cacert", ca, "--cert", f"{cert}:{secret}", "--key", key,
                    "-H", "Content-Type: application/json", "-H", "Content-Encoding:  utf-8",
                    "-d", '{"temperature": 30}', "--fail", "-sS",
                    f"https://localhost:{args.port}/devices/{DEVICE}/messages/events?{API}"]

        # Clients take turns within each repeat, so that drift in the machine's speed is shared.
        kept_alive = [("openssl floor", floor)] + [(name, kelvin_command(path)) for name, path in kelvins] \
            + [("libcurl (reused handle)", libcurl)]
        repeats = {name: [] for name, _ in kept_alive}
        repeats["curl per message"] = []
        for repeat in range(args.repeats):
            print(f"bench: {label}: repeat {repeat + 1}/{args.repeats}: kept-alive clients with 1 and 1 + {args.messages} "
                  f"messages, {args.curl_messages} curl processes", file=sys.stderr, flush=True)
            for name, command in kept_alive:
                repeats[name].append(kept_alive_repeat(command, args.messages, args))
            repeats["curl per message"].append(process_per_message_repeat(curl, args.curl_messages, args))
        rows = [median_row(name, samples) for name, samples in repeats.items()]

        # Full handshakes against the server that refuses resumption; resumed ones against the one
        # that allows it (kelvin and libcurl resume on their own, the floor when told to).
        reconnecting = [("openssl floor", lambda n, port: floor(n, port, "full"), lambda n, port: floor(n, port, "resumed"))]
        reconnecting += [(name, kelvin_command(path), kelvin_command(path)) for name, path in kelvins]
        reconnecting += [("libcurl (reused handle)", libcurl, libcurl)]
        # Each way to resume: the port that allows it, the one that refuses resumption at the
        # same TLS version, and their logs. Azure's hubs speak TLS 1.2, where a server may resume
        # by ticket or by session ID; TLS 1.3 has tickets only.
        run_log = lambda name: os.path.join(args.run, name)
        resumptions = [
            ("ticket", args.close_port, run_log("reconnect.log"), args.full_port, run_log("full.log")),
            ("ticket", args.close12_port, run_log("reconnect12.log"), args.full12_port, run_log("full12.log")),
            ("session ID", args.ids12_port, run_log("ids12.log"), args.full12_port, run_log("full12.log")),
        ]
        costs = {(name, index): ([], [], [0, 0], set()) for index in range(len(resumptions)) for name, _, _ in reconnecting}
        for repeat in range(args.repeats):
            print(f"bench: {label}: repeat {repeat + 1}/{args.repeats}: reconnects, 1 and 1 + {args.connects} connections, "
                  f"TLS 1.3 and 1.2", file=sys.stderr, flush=True)
            for index, (_, port, log, full_port, full_log) in enumerate(resumptions):
                for name, full, resumed in reconnecting:
                    full_costs, resumed_costs, counts, versions = costs[(name, index)]
                    # Both TLS 1.2 ways share one full-handshake server: measure it once.
                    shared = next((i for i in range(index) if resumptions[i][3] == full_port), None)
                    if shared is None:
                        full_costs.append(reconnect_repeat(full, full_port, full_log, args.connects, args)[0])
                    else:
                        full_costs.append(costs[(name, shared)][0][-1])
                    cost, reused, total, seen = reconnect_repeat(resumed, port, log, args.connects, args)
                    resumed_costs.append(cost)
                    counts[0] += reused
                    counts[1] += total
                    versions.update(seen)
        med = statistics.median
        reconnect_rows = [
            (name, f"{'/'.join(sorted(versions))} {resumptions[index][0]}", med(full_costs), med(resumed_costs), reused, total)
            for (name, index), (full_costs, resumed_costs, (reused, total), versions) in
            sorted(costs.items(), key=lambda item: item[0][1])
        ]

        print_main_table(f"== {label}: {args.messages} messages kept alive (median of {args.repeats}); curl: one process per message", rows)
        print_reconnect_table(f"== {label}: reconnect, one message per connection ({args.connects} connections, median of {args.repeats})", reconnect_rows)
        sys.stdout.flush()
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
