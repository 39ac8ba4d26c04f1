#!/usr/bin/env bash
# `make bench`: builds the clients, makes the identities, starts nginx with mutual TLS on free
# loopback ports, measures every client against it and prints the tables (bench/measure.py);
# then the device-day figure against kelvin-cloud (bench/device-day.sh).
#
# Environment (all optional):
#   BENCH_MESSAGES=10000    extra messages per kept-alive run
#   BENCH_CURL_MESSAGES=20  curl processes per repeat
#   BENCH_CONNECTS=200      extra connections per reconnect run
#   BENCH_REPEATS=5         runs per figure (the median is printed)
#   BENCH_DEVICES=ec,rsa    device keys to measure: EC P-256, RSA-4096
#   BENCH_EMBEDDED=1        also measure the Embedded Swift build of kelvin (0 to skip it)
#   BENCH_PIN=same          CPU placement: same (clients and nginx share a CPU), split, none
#   DEVICE_DAY_READINGS, DEVICE_DAY_INTERVAL_MS   the device-day section (bench/device-day.sh)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/cross/lib.sh"
SWIFT="${SWIFT:-swift}"

ensure_packages gcc libc6-dev libssl-dev libcurl4-openssl-dev nginx-light openssl curl python3

out="$root/out/bench"
bin="$out/bin"
mkdir -p "$bin"

log "building the C clients and the malloc counter"
CFLAGS=(-O2 -Wall -Wextra)
gcc "${CFLAGS[@]}" -shared -fPIC -o "$bin/malloc_counter.so" "$here/malloc_counter.c"
gcc "${CFLAGS[@]}" -o "$bin/openssl_floor" "$here/openssl_floor.c" -lssl -lcrypto
gcc "${CFLAGS[@]}" -o "$bin/libcurl_client" "$here/libcurl_client.c" -lcurl

log "building kelvin (release)"
(cd "$root" && "$SWIFT" build -c release --product kelvin)
release_kelvin="$(cd "$root" && "$SWIFT" build -c release --show-bin-path)/kelvin"
kelvins=(--kelvin "kelvin send=$release_kelvin")
day_kelvins=("kelvin run=$release_kelvin")
if [ "${BENCH_EMBEDDED:-1}" != 0 ]; then
    log "building kelvin (Embedded Swift, release)"
    "$root/cross/build-embedded-host.sh" >/dev/null
    kelvins+=(--kelvin "kelvin send (Embedded)=$root/out/embedded-host/kelvin")
    day_kelvins+=("kelvin run (Embedded)=$root/out/embedded-host/kelvin")
fi

log "making identities in ${out#"$root"/}/identities"
"$here/identities.sh" "$out/identities"

# Six free loopback ports, chosen by the kernel.
read -r port close_port full_port close12_port ids12_port full12_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')

run="$(mktemp -d "${TMPDIR:-/tmp}/kelvin-bench-nginx.XXXXXX")"
trap '"$here/server.sh" stop "$run"; rm -rf "$run"' EXIT
worker="$("$here/server.sh" start "$run" "$out/identities" "$port" "$close_port" "$full_port" \
    "$close12_port" "$ids12_port" "$full12_port")"
log "nginx on 127.0.0.1:$port (kept alive), :$close_port (one request per connection), :$full_port (no resumption);" \
    "TLS 1.2 only: :$close12_port (tickets), :$ids12_port (session IDs), :$full12_port (no resumption)"

python3 "$here/measure.py" --bin "$bin" "${kelvins[@]}" --identities "$out/identities" --run "$run" --worker "$worker" \
    --port "$port" --close-port "$close_port" --full-port "$full_port" \
    --close12-port "$close12_port" --ids12-port "$ids12_port" --full12-port "$full12_port" --devices "${BENCH_DEVICES:-ec,rsa}" \
    --messages "${BENCH_MESSAGES:-10000}" --curl-messages "${BENCH_CURL_MESSAGES:-20}" \
    --connects "${BENCH_CONNECTS:-200}" --repeats "${BENCH_REPEATS:-5}" --pin "${BENCH_PIN:-same}"

# A day of telemetry (1,440 readings) as `kelvin run` against kelvin-cloud, beside 1,440 curl processes.
"$here/device-day.sh" "${day_kelvins[@]}"
