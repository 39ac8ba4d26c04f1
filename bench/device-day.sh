#!/usr/bin/env bash
# The device-day figure of `make bench`: the CPU time (user + system) one device spends on a day of
# telemetry, one reading a minute, 1,440 in all, at an accelerated interval against `kelvin-cloud
# serve` on loopback:
#   kelvin run    one process for the day: start-up, DPS registration, sampling, the spool, sending,
#                 and a reconnect every virtual hour (the admin API closes the hub's connections)
#   curl          the seed's way: 1,440 processes, each the walkthrough's one POST with the
#                 client certificate (a fresh TLS handshake, key and certificate loaded each time)
# Only the device's processes are counted, not the emulator's. Figures are printed, nothing is
# asserted.
#   bench/device-day.sh [LABEL=KELVIN]...   default: "kelvin run (Embedded)=out/embedded-host/kelvin"
# Environment (all optional):
#   DEVICE_DAY_READINGS=1440      readings in the day
#   DEVICE_DAY_INTERVAL_MS=25     real milliseconds per virtual minute
#   KELVIN_CLOUD                  the emulator (default: built with swift build --product kelvin-cloud)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
source "$root/cross/lib.sh"
unset https_proxy HTTPS_PROXY
SWIFT="${SWIFT:-swift}"

readings="${DEVICE_DAY_READINGS:-1440}"
interval_ms="${DEVICE_DAY_INTERVAL_MS:-25}"
[[ "$readings" =~ ^[0-9]+$ ]] && [ "$readings" -gt 0 ] || die "DEVICE_DAY_READINGS must be a whole number above 0 (got '$readings')"
[[ "$interval_ms" =~ ^[0-9]+$ ]] && [ "$interval_ms" -gt 0 ] || die "DEVICE_DAY_INTERVAL_MS must be a whole number above 0 (got '$interval_ms')"
ensure_packages curl

kelvins=("$@")
if [ ${#kelvins[@]} -eq 0 ]; then
    [ -x "$root/out/embedded-host/kelvin" ] || "$root/cross/build-embedded-host.sh" >/dev/null
    kelvins=("kelvin run (Embedded)=$root/out/embedded-host/kelvin")
fi
cloud="${KELVIN_CLOUD:-}"
unset KELVIN_CLOUD
if [ -z "$cloud" ]; then
    log "building kelvin-cloud"
    (cd "$root" && "$SWIFT" build --product kelvin-cloud >/dev/null)
    cloud="$(cd "$root" && "$SWIFT" build --show-bin-path)/kelvin-cloud"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kelvin-device-day.XXXXXX")"
source "$root/scripts/lib/cloud.sh"
trap 'cloud_stop; rm -rf "$work"' EXIT
device=device-day
"$cloud" init --dir "$work" --registration-id "$device" >/dev/null || die "kelvin-cloud init failed"
cloud_start "$cloud" "$work" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --register-immediately \
    --max-seconds 3600 || die "kelvin-cloud did not start"
hub=$(sed -E 's/.*hub on ([^,]+),.*/\1/' <<<"$cloud_banner")

# cpu_seconds FILE: the children's user + system seconds from the second line `times` printed.
cpu_seconds() {
    sed -n 2p "$1" | awk '{
        total = 0
        for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); total += t[1] * 60 + t[2] }
        printf "%.3f", total }'
}
delivered() {
    curl -sf "${cloud_admin}messages?deviceId=$device" | grep -o '"count":[0-9]*' | cut -d: -f2
}

echo
echo "== device day: $readings readings (one a virtual minute, $interval_ms ms each), CPU user+sys of the device's processes"
printf '%-34s%11s%16s%11s\n' "client" "CPU s/day" "CPU ms/reading" "delivered"
for entry in "${kelvins[@]}"; do
    label=${entry%%=*} kelvin=${entry#*=}
    [ -x "$kelvin" ] || die "no kelvin binary at $kelvin"
    rm -rf "$work/state"
    curl -sf -X DELETE "${cloud_admin}messages" >/dev/null
    (
        "$kelvin" run --dps "$cloud_dps" --ca-file "$work/server-ca.pem" --cert "$work/device-cert.pem" \
            --key "$work/device-key.pem" --state-dir "$work/state" --count "$readings" --interval "${interval_ms}ms" \
            >"$work/kelvin.log" 2>&1 &
        wait $! || echo "failed $?" >"$work/kelvin.status"
        times
    ) >"$work/kelvin.times" &
    runner=$!
    # A reconnect each virtual hour: the hub closes the connection, as a load balancer's idle
    # timeout or a hub's restart would.
    hour_ms=$((interval_ms * 60))
    for _ in $(seq 1 $((readings / 60 - 1))); do
        sleep "$(awk -v ms="$hour_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
        kill -0 "$runner" 2>/dev/null || break
        curl -sf -X POST "${cloud_admin}hubs/hub/disconnect" >/dev/null || true
    done
    wait "$runner"
    [ ! -f "$work/kelvin.status" ] || die "$label: kelvin $(cat "$work/kelvin.status"): $(tail -n 5 "$work/kelvin.log")"
    seconds=$(cpu_seconds "$work/kelvin.times")
    printf '%-34s%11s%16s%11s\n' "$label" "$seconds" "$(awk -v s="$seconds" -v n="$readings" 'BEGIN { printf "%.3f", s * 1000 / n }')" "$(delivered)"
done

# The seed: the walkthrough's curl command, once per reading; the device is registered by now.
curl -sf -X DELETE "${cloud_admin}messages" >/dev/null
url="https://$hub/devices/$device/messages/events?api-version=2020-03-13"
(
    for i in $(seq 1 "$readings"); do
        curl -L -i -s -o /dev/null -X POST --cacert "$work/server-ca.pem" --cert "$work/device-cert.pem" \
            --key "$work/device-key.pem" -H 'Content-Type: application/json' -H 'Content-Encoding:  utf-8' \
            -d "{\"temperature\": 30, \"n\": $i}" "$url" || echo "curl $i failed" >>"$work/curl.failures"
    done
    times
) >"$work/curl.times"
[ ! -f "$work/curl.failures" ] || die "$(wc -l <"$work/curl.failures") curl processes failed, the first: $(head -n 1 "$work/curl.failures")"
seconds=$(cpu_seconds "$work/curl.times")
printf '%-34s%11s%16s%11s\n' "curl, one process per reading" "$seconds" "$(awk -v s="$seconds" -v n="$readings" 'BEGIN { printf "%.3f", s * 1000 / n }')" "$(delivered)"
