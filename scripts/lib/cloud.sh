# Starting and stopping `kelvin-cloud serve` for the test scripts, in one place. Source it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/cloud.sh"
# KELVIN_CLOUD_TLS (1.2, 1.3 or both) becomes `serve --tls`; unset, the emulator's default.

# Taken here and removed from the environment: kelvin warns about KELVIN_* variables that name
# no setting of its own.
cloud_tls=${KELVIN_CLOUD_TLS:-}
unset KELVIN_CLOUD_TLS

# cloud_start BINARY DIR LOG [SERVE-OPTION...]: runs `BINARY serve --dir DIR SERVE-OPTION...` in
# the background with its output in LOG, and waits until it listens. Sets cloud_pid, cloud_banner
# (its "DPS on …" line), cloud_dps (DPS's host:port) and cloud_admin (the admin API's URL, ending
# in /admin/; `serve` always runs the admin API). Returns 1 with a reason on stderr when it exits
# or does not listen within 30 s; cloud_pid is set either way, for cloud_stop.
cloud_start() {
    local binary=$1 dir=$2 log=$3
    shift 3
    "$binary" serve --dir "$dir" ${cloud_tls:+--tls "$cloud_tls"} "$@" >"$log" 2>&1 &
    cloud_pid=$!
    cloud_banner= cloud_dps= cloud_admin=
    local _
    for _ in $(seq 1 300); do
        # The admin API's line comes last, after the banner.
        grep -q 'admin API on ' "$log" 2>/dev/null && break
        if ! kill -0 "$cloud_pid" 2>/dev/null; then
            echo "kelvin-cloud exited before listening: $(cat "$log")" >&2
            return 1
        fi
        sleep 0.1
    done
    cloud_admin=$(grep -m1 -o 'http://127.0.0.1:[0-9]*/admin/' "$log") \
        || { echo "kelvin-cloud did not start listening within 30 s: $(cat "$log")" >&2; return 1; }
    cloud_banner=$(grep -m1 'DPS on ' "$log")
    cloud_dps=$(sed -E 's/.*DPS on ([^,]+),.*/\1/' <<<"$cloud_banner")
}

# cloud_stop: ends the emulator cloud_start started, if it still runs, and waits for it.
cloud_stop() {
    if [ -n "${cloud_pid:-}" ] && kill -0 "$cloud_pid" 2>/dev/null; then
        kill "$cloud_pid" 2>/dev/null || true
        wait "$cloud_pid" 2>/dev/null || true
    fi
    return 0
}
