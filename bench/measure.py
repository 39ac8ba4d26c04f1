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
Each measurement is repeated and the median taken.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

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


def kept_alive_row(name, command, messages, args):
    """command(n) is the argv that sends n messages over one kept-alive connection."""
    per_cpu, per_allocs, first_cpu, first_allocs, rss, server = [], [], [], [], [], []
    for _ in range(args.repeats):
        one = measure(command(1), args)
        many = measure(command(1 + messages), args)
        per_cpu.append((many.cpu_ms - one.cpu_ms) / messages)
        per_allocs.append((many.allocs - one.allocs) / messages)
        first_cpu.append(one.cpu_ms)
        first_allocs.append(one.allocs)
        rss.append(many.rss_kib)
        server.append((many.server_ms - one.server_ms) / messages)
    med = statistics.median
    return Row(name, med(per_cpu), med(per_allocs), med(first_cpu), med(first_allocs), med(rss), med(server))


def process_per_message_row(name, command, messages, args):
    """command() is the argv of one process that sends one message."""
    samples = [measure(command(), args) for _ in range(messages * args.repeats)]
    med = statistics.median
    cpu = med(s.cpu_ms for s in samples)
    allocs = med(s.allocs for s in samples)
    return Row(name, cpu, allocs, cpu, allocs, max(s.rss_kib for s in samples), med(s.server_ms for s in samples))


def reconnect_cost(command, port, connects, args):
    """CPU ms per extra connection (one message each) and how many of them resumed."""
    per = []
    log = os.path.join(args.run, "reconnect.log")
    resumed = total = 0
    for _ in range(args.repeats):
        one = run_once(command(1, port), args, count_allocs=False)
        start = os.path.getsize(log)
        many = run_once(command(1 + connects, port), args, count_allocs=False)
        with open(log) as f:
            f.seek(start)
            lines = f.read().split("\n")[:-1]
        resumed += sum(1 for line in lines if line.startswith("r "))
        total += len(lines)
        per.append((many.cpu_ms - one.cpu_ms) / connects)
    return statistics.median(per), resumed, total


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
    floor_full, floor_resumed = rows[0][1], rows[0][2]
    print(f"\n{title}")
    print(f"{'client':<26}{'full CPU ms/conn':>17}{'resumed CPU ms/conn':>21}{'resumed/full':>14}"
          f"{'vs floor (full, resumed)':>26}{'sessions resumed':>18}")
    for name, full, resumed, reused, total in rows:
        versus = f"{ratio(full, floor_full)}  {ratio(resumed, floor_resumed)}"
        print(f"{name:<26}{full:>17.3f}{resumed:>21.3f}{ratio(resumed, full):>14}{versus:>26}{f'{reused}/{total}':>18}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with openssl_floor, libcurl_client, malloc_counter.so")
    parser.add_argument("--kelvin", action="append", default=[], metavar="LABEL=PATH", help="a kelvin binary to measure")
    parser.add_argument("--identities", required=True)
    parser.add_argument("--run", required=True, help="the server's runtime directory (its reconnect.log)")
    parser.add_argument("--worker", required=True, type=int, help="pid of the nginx worker")
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--close-port", required=True, type=int)
    parser.add_argument("--full-port", required=True, type=int)
    parser.add_argument("--devices", default="ec,rsa")
    parser.add_argument("--messages", type=int, default=10000, help="extra messages for the kept-alive clients")
    parser.add_argument("--curl-messages", type=int, default=20, help="curl processes per repeat")
    parser.add_argument("--connects", type=int, default=200, help="extra connections for the reconnect table")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
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

        print(f"bench: {label}: kept-alive clients, 1 and 1 + {args.messages} messages, {args.repeats} repeats ...",
              file=sys.stderr, flush=True)
        rows = [kept_alive_row("openssl floor", floor, args.messages, args)]
        for name, path in kelvins:
            rows.append(kept_alive_row(name, kelvin_command(path), args.messages, args))
        rows.append(kept_alive_row("libcurl (reused handle)", libcurl, args.messages, args))
        print(f"bench: {label}: curl, {args.curl_messages} × {args.repeats} processes ...", file=sys.stderr, flush=True)
        rows.append(process_per_message_row("curl per message", curl, args.curl_messages, args))

        print(f"bench: {label}: reconnects, 1 and 1 + {args.connects} connections ...", file=sys.stderr, flush=True)
        reconnect_rows = []
        full_cpu, full_reused, full_total = reconnect_cost(lambda n, port: floor(n, port, "full"), args.close_port, args.connects, args)
        resumed_cpu, reused, total = reconnect_cost(lambda n, port: floor(n, port, "resumed"), args.close_port, args.connects, args)
        reconnect_rows.append(("openssl floor", full_cpu, resumed_cpu, reused, total))
        # Kelvin and libcurl resume on their own: the full-handshake figure is from the server
        # that refuses resumption.
        for name, command in [(name, kelvin_command(path)) for name, path in kelvins] + [("libcurl (reused handle)", libcurl)]:
            full_cpu, _, _ = reconnect_cost(command, args.full_port, args.connects, args)
            resumed_cpu, reused, total = reconnect_cost(command, args.close_port, args.connects, args)
            reconnect_rows.append((name, full_cpu, resumed_cpu, reused, total))

        print_main_table(f"== {label}: {args.messages} messages kept alive (median of {args.repeats}); curl: one process per message", rows)
        print_reconnect_table(f"== {label}: reconnect, one message per connection ({args.connects} connections, median of {args.repeats})", reconnect_rows)
        sys.stdout.flush()
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
