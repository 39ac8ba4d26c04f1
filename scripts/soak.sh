#!/usr/bin/env bash
# `make soak`: a device's day, compressed. The Embedded build of `kelvin run` takes a day's
# readings (one a virtual minute, a minute lasting SOAK_INTERVAL_MS of real time) against
# `kelvin-cloud serve`, meeting a fault every few virtual minutes in turn: a hub outage, an answer
# closed mid-body, an answer that never comes, and the device deleted so that it registers with DPS
# again. A sampler reads the process every second (resident set, CPU time, open descriptors, spool
# bytes and backlog); scripts/soak/report.py then checks that resident set and descriptors stay
# flat (first against last virtual hour), that the spool's backlog goes back to its floor after
# each outage and that every reading arrived once at least, in order, without a gap, and writes
# out/soak/summary.md, out/soak/samples.tsv and out/soak/soak.png.
#   scripts/soak.sh [KELVIN]          default out/embedded-host/kelvin (cross/build-embedded-host.sh)
# Environment (all optional):
#   SOAK_READINGS=1440        readings (virtual minutes) in the run: 1440 is a day
#   SOAK_INTERVAL_MS=600      real milliseconds per virtual minute (1440 x 600 ms: 14.4 minutes)
#   SOAK_FAULT_EVERY=15       virtual minutes from one fault to the next (the four kinds take turns)
#   SOAK_OUTAGE_MINUTES=5     how long each hub outage lasts, in virtual minutes
#   SOAK_RSS_TOLERANCE_KIB=16 how far the last hour's resident set may rise above the first's
#   SOAK_FD_TOLERANCE=0       how many more descriptors the last hour may hold than the first
#   KELVIN_CLOUD              the emulator binary (default .build/debug/kelvin-cloud)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/cross/lib.sh"
unset https_proxy HTTPS_PROXY
export PYTHONDONTWRITEBYTECODE=1

kelvin="${1:-$root/out/embedded-host/kelvin}"
cloud="${KELVIN_CLOUD:-$root/.build/debug/kelvin-cloud}"
# kelvin warns about KELVIN_* variables that name no setting; this one is only for this script.
unset KELVIN_CLOUD
readings="${SOAK_READINGS:-1440}"
interval_ms="${SOAK_INTERVAL_MS:-600}"
fault_every="${SOAK_FAULT_EVERY:-15}"
outage_minutes="${SOAK_OUTAGE_MINUTES:-5}"
number() { [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || die "$1 must be a whole number above 0 (got '$2')"; }
number SOAK_READINGS "$readings"
number SOAK_INTERVAL_MS "$interval_ms"
number SOAK_FAULT_EVERY "$fault_every"
number SOAK_OUTAGE_MINUTES "$outage_minutes"
[ "$outage_minutes" -lt "$fault_every" ] || die "SOAK_OUTAGE_MINUTES ($outage_minutes) must be shorter than SOAK_FAULT_EVERY ($fault_every)"
# The first 24th of the run is the baseline the last is compared with: it must have met a turn of
# all four faults (the first comes at minute fault_every * 2 / 3 + 1, see the fault loop below).
baseline_minutes=$((fault_every * 2 / 3 + 1 + 3 * fault_every + 1))
[ "$readings" -ge $((24 * baseline_minutes)) ] || die "SOAK_READINGS=$readings is too short for SOAK_FAULT_EVERY=$fault_every: its first 24th (the baseline hour) must hold all four faults; use SOAK_READINGS of at least $((24 * baseline_minutes)), or a smaller SOAK_FAULT_EVERY (and SOAK_OUTAGE_MINUTES below it)"
[ -x "$kelvin" ] || die "no kelvin binary at $kelvin: build it with cross/build-embedded-host.sh (make embedded-check)"
[ -x "$cloud" ] || die "no kelvin-cloud binary at $cloud: build it with swift build --product kelvin-cloud, or set KELVIN_CLOUD"

ensure_packages curl python3 gnuplot-nox

out="$root/out/soak"
work="$out/work"
rm -rf "$work"
mkdir -p "$work"
source "$root/scripts/lib/cloud.sh"
device=kelvin-soak
kelvin_pid= sampler_pid=
cleanup() {
    local pid
    for pid in "$kelvin_pid" "$sampler_pid"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    cloud_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Seconds of real time, with millisecond digits, for N virtual minutes.
minutes() { awk -v n="$1" -v ms="$interval_ms" 'BEGIN { printf "%.3f", n * ms / 1000 }'; }
run_seconds=$(minutes "$readings")
log "soak: $readings readings, one every $interval_ms ms ($run_seconds s), a fault every $fault_every readings"

"$cloud" init --dir "$work" --registration-id "$device" >/dev/null || die "kelvin-cloud init failed"
max_seconds=$(awk -v s="$run_seconds" 'BEGIN { printf "%d", s * 2 + 600 }')
cloud_start "$cloud" "$work" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --register-immediately \
    --max-seconds "$max_seconds" || die "kelvin-cloud did not start"

admin() {
    local method=$1 path=$2 body=${3:-}
    curl -sf -X "$method" "${cloud_admin}$path" ${body:+-d "$body"}
}
steps() {
    local step=$1 count=$2 list
    list=$(for _ in $(seq 1 "$count"); do printf '{"fault":"%s"},' "$step"; done)
    printf '{"route":"telemetry","steps":[%s]}' "${list%,}"
}

# Timeouts and waits scaled to the accelerated minute, so that a fault costs a few virtual
# minutes as it would in the field, not hours; no less than a second, so that a busy machine's
# slow handshake is not taken for a fault.
at_least_1s() { awk -v s="$1" 'BEGIN { print (s < 1 ? 1 : s) }'; }
timeout_seconds=$(at_least_1s "$(minutes 1)")
wait_seconds=$(at_least_1s "$(minutes 2)")
"$kelvin" run --dps "$cloud_dps" --ca-file "$work/server-ca.pem" --cert "$work/device-cert.pem" --key "$work/device-key.pem" \
    --state-dir "$work/state" --count "$readings" --interval "${interval_ms}ms" \
    --connect-timeout "$timeout_seconds" --io-timeout "$timeout_seconds" --retry-cap "$wait_seconds" \
    --round-pause "$wait_seconds" --reprovision-interval "$wait_seconds" >"$work/kelvin.log" 2>&1 &
kelvin_pid=$!
start=$(now)
python3 "$here/soak/sample.py" "$kelvin_pid" "$work/state" "$out/samples.tsv" "$start" &
sampler_pid=$!

# at MINUTE: sleeps until that virtual minute of the run; fails once kelvin has exited.
at() {
    local delay
    delay=$(awk -v s="$start" -v t="$(minutes "$1")" -v n="$(now)" 'BEGIN { d = s + t - n; printf "%.3f", (d > 0 ? d : 0) }')
    sleep "$delay"
    kill -0 "$kelvin_pid" 2>/dev/null
}
since_start() { awk -v s="$start" -v n="$(now)" 'BEGIN { printf "%.2f", n - s }'; }

# One fault each turn, in this order; the last one leaves time for its backlog to drain.
kinds=(outage close-mid-body stall re-registration)
printf 'start_seconds\tend_seconds\tkind\n' >"$out/faults.tsv"
turn=0
# The first turn of all four falls within the first virtual hour (the RSS and descriptor baseline).
minute=$((fault_every * 2 / 3 + 1))
while [ $((minute + fault_every)) -lt "$readings" ] && at "$minute"; do
    kind=${kinds[turn % ${#kinds[@]}]}
    began=$(since_start)
    case $kind in
    outage)
        admin POST outage "{\"hub\":\"hub\",\"seconds\":$(minutes "$outage_minutes")}" >/dev/null || die "the admin API refused the outage"
        at $((minute + outage_minutes)) || break ;;
    close-mid-body)
        admin POST faults "$(steps closeMidBody 3)" >/dev/null || die "the admin API refused the fault script" ;;
    stall)
        admin POST faults "$(steps stall 2)" >/dev/null || die "the admin API refused the fault script" ;;
    re-registration)
        admin DELETE "registrations/$device" >/dev/null || die "the admin API could not delete registration $device" ;;
    esac
    printf '%s\t%s\t%s\n' "$began" "$(since_start)" "$kind" >>"$out/faults.tsv"
    turn=$((turn + 1))
    minute=$((minute + fault_every))
done

status=0
wait "$kelvin_pid" || status=$?
kelvin_pid=
wait "$sampler_pid" || true
sampler_pid=
admin GET "messages?deviceId=$device" >"$out/messages.json" || die "the admin API did not list the messages"
cloud_stop

python3 "$here/soak/report.py" --out "$out" --readings "$readings" --interval-ms "$interval_ms" \
    --fault-every "$fault_every" --kelvin-status "$status" --kelvin-log "$work/kelvin.log" --cloud-log "$work/cloud.log" \
    --rss-tolerance-kib "${SOAK_RSS_TOLERANCE_KIB:-16}" --fd-tolerance "${SOAK_FD_TOLERANCE:-0}"
