#!/usr/bin/env bash
# `make bench-tpm` (and the end of `make bench`): what a reconnect costs when the device key is in
# a TPM (a software TPM, swtpm, on loopback) against the same client with a key file, for a full
# handshake (the server refuses resumption: one client signature each) and a resumed one (none).
# Wall-clock milliseconds per extra connection, since the TPM's work happens in another process.
#
# Environment (all optional):
#   BENCH_TPM_CONNECTS=100   extra connections per run
#   BENCH_REPEATS=5          runs per figure (the median is printed)
#   KELVIN=PATH              a kelvin already built, instead of building the release one
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/cross/lib.sh"
SWIFT="${SWIFT:-swift}"
connects="${BENCH_TPM_CONNECTS:-100}" repeats="${BENCH_REPEATS:-5}"

ensure_packages nginx-light openssl python3 swtpm swtpm-tools tpm2-openssl tpm2-tools
unset TPM2TOOLS_TCTI https_proxy HTTPS_PROXY

kelvin="${KELVIN:-}"
if [ -z "$kelvin" ]; then
    log "building kelvin (release)"
    (cd "$root" && "$SWIFT" build -c release --product kelvin)
    kelvin="$(cd "$root" && "$SWIFT" build -c release --show-bin-path)/kelvin"
fi

out="$root/out/bench"
ids="$out/tpm-identities"
"$here/identities.sh" "$out/identities"
rm -rf "$ids" && mkdir -p "$ids" && cp -r "$out/identities/." "$ids/"

run="$(mktemp -d "${TMPDIR:-/tmp}/kelvin-bench-tpm.XXXXXX")"
swtpm_pid=
cleanup() {
    "$here/server.sh" stop "$run" || true
    [ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null && wait "$swtpm_pid" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT

tpm_port=$("$root/scripts/lib/tpm-port.py")
ctrl_port=$((tpm_port + 1))
read -r port close_port full_port close12_port ids12_port full12_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
mkdir -p "$run/tpm"
swtpm socket --tpm2 --tpmstate dir="$run/tpm" --flags not-need-init,startup-clear \
    --server type=tcp,port="$tpm_port",bindaddr=127.0.0.1 --ctrl type=tcp,port="$ctrl_port",bindaddr=127.0.0.1 \
    >"$run/swtpm.log" 2>&1 &
swtpm_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$tpm_port") 2>/dev/null && break; sleep 0.1; done
export TPM2OPENSSL_TCTI="swtpm:host=127.0.0.1,port=$tpm_port"

log "a key in the software TPM, and its certificate from the bench CA"
TMPDIR="$run" "$kelvin" key create --tpm >/dev/null
"$kelvin" key csr --key-provider tpm2 --key handle:0x81000001 --registration-id bench-device --out "$run/tpm.csr" >/dev/null
openssl x509 -req -in "$run/tpm.csr" -CA "$ids/server-ca.pem" -CAkey "$ids/server-ca-key.pem" -CAcreateserial \
    -days 2 -sha256 -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out "$ids/tpm-device-cert.pem" 2>/dev/null
# nginx trusts the self-signed file devices and, for the TPM device, the CA that signed it.
cat "$ids/server-ca.pem" >>"$ids/devices.pem"

"$here/server.sh" start "$run" "$ids" "$port" "$close_port" "$full_port" "$close12_port" "$ids12_port" "$full12_port" >/dev/null
log "nginx on 127.0.0.1:$close_port (one request per connection) and :$full_port (no resumption)"

python3 - "$kelvin" "$ids" "$run" "$close_port" "$full_port" "$connects" "$repeats" <<'PY'
import statistics, subprocess, sys, time
kelvin, ids, run, close_port, full_port, connects, repeats = *sys.argv[1:4], *map(int, sys.argv[4:])
keys = {
    "key file (EC P-256)": ["--cert", f"{ids}/ec/device-cert.pem", "--key", f"{ids}/ec/device-key.pem",
                            "--key-passphrase-file", f"{ids}/passphrase"],
    "TPM key (swtpm, EC P-256)": ["--cert", f"{ids}/tpm-device-cert.pem", "--key-provider", "tpm2",
                                  "--key", "handle:0x81000001"],
}

def seconds(count, port, identity):
    argv = [kelvin, "send", "--hub", f"localhost:{port}", "--device", "bench-device", "--count", str(count),
            "--ca-file", f"{ids}/server-ca.pem"] + identity
    start = time.monotonic()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {done.returncode}: {done.stderr}")
    return time.monotonic() - start

def reused(path):
    """nginx's "$ssl_session_reused" per connection: r when the handshake resumed a session."""
    with open(path) as log:
        return [line.startswith("r ") for line in log]

def per_connection(port, identity):
    return statistics.median(
        (seconds(1 + connects, port, identity) - seconds(1, port, identity)) * 1000 / connects for _ in range(repeats))

def startup(identity):
    return statistics.median(seconds(1, close_port, identity) * 1000 for _ in range(repeats))

rows = []
for name, identity in keys.items():
    before = len(reused(f"{run}/reconnect.log"))
    resumed = per_connection(close_port, identity)
    seen = reused(f"{run}/reconnect.log")[before:]
    rows.append((name, per_connection(full_port, identity), resumed, startup(identity), sum(seen), len(seen)))
print(f"\n== reconnect cost, device key in a TPM vs a file ({connects} connections, median of {repeats}, wall ms)")
print(f"{'device key':<28}{'full handshake':>16}{'resumed':>10}{'saved by resumption':>21}{'first message':>15}"
      f"{'resumed/connections':>21}")
for name, full, resumed, first, reused_count, total in rows:
    print(f"{name:<28}{full:>16.2f}{resumed:>10.2f}{full - resumed:>21.2f}{first:>15.1f}{f'{reused_count}/{total}':>21}")
file_full, tpm_full = rows[0][1], rows[1][1]
print(f"a TPM signature adds {tpm_full - file_full:.2f} ms to a full handshake here (a software TPM over loopback;"
      " a TPM on SPI takes tens of ms per ECDSA signature); a resumed handshake makes none.")
PY
