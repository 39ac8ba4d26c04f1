#!/usr/bin/env bash
# Field faults: the built `kelvin run`, unbounded, against `kelvin-cloud` through each fault a
# device meets in the field. The rule under test: only a local start-up mistake may end the
# agent; whatever the network, a server or the clock does, it reports and outlives, without
# losing a reading. Each case starts its own emulator and agent, lets a few readings through,
# injects the fault, checks the agent still runs while it lasts, clears it, waits until every
# reading taken reached the hub, and stops the agent with SIGTERM (exit 0). One line per case:
#   field-fault NAME: taken T, delivered D, duplicates U, still running during the fault: yes/no — PASS/FAIL
# followed, for a failing case, by what went wrong and the agent's warnings.
#   scripts/field-faults.sh KELVIN-COMMAND...     e.g. scripts/field-faults.sh .build/debug/kelvin
# KELVIN_CLOUD names the emulator binary (default .build/debug/kelvin-cloud); FIELD_FAULTS picks
# cases by name (default: all, in the order below); FIELD_FAULTS_KEEP=1 keeps the logs of every
# case and says where. The dns case needs root (a mount namespace).
set -uo pipefail
unset https_proxy HTTPS_PROXY

kelvin=("$@")
[ ${#kelvin[@]} -gt 0 ] || { echo "usage: scripts/field-faults.sh KELVIN-COMMAND..." >&2; exit 64; }
cloud=${KELVIN_CLOUD:-.build/debug/kelvin-cloud}
# kelvin warns about KELVIN_* variables that name no setting; this one is only for this script.
unset KELVIN_CLOUD
all_cases=(close-mid-body garbage stall plain-http not-yet-valid untrusted hub-moved api-version dns)
read -r -a cases <<<"${FIELD_FAULTS:-${all_cases[*]}}"
# Long enough for a few retry rounds at kelvin's shortest backoff (1–2 s, then 1–4 s, …).
hold_seconds=6
# How long a cleared fault may take to drain: kelvin's waits are capped at 2 s (--retry-cap,
# --round-pause below), so a few of them and a batch.
recovery_seconds=30
# The name the dns case reaches the hub by; .test is reserved (RFC 2606), so no resolver knows it.
hub_name=kelvin-hub.test

work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-field-faults.XXXXXX")
source "$(dirname "${BASH_SOURCE[0]}")/lib/cloud.sh"
kelvin_pid=
cleanup() {
    if [ -n "$kelvin_pid" ] && kill -0 "$kelvin_pid" 2>/dev/null; then
        kill -KILL "$kelvin_pid" 2>/dev/null || true
        wait "$kelvin_pid" 2>/dev/null || true
    fi
    cloud_stop
    if [ "${FIELD_FAULTS_KEEP:-0}" = 1 ]; then
        echo "field-faults: logs kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
# An interrupted run still goes through cleanup, so nothing is left running.
trap 'exit 130' INT TERM

# --- talking to the emulator ------------------------------------------------------------------

admin() {
    local method=$1 path=$2 body=${3:-}
    curl -sf -X "$method" "${cloud_admin}$path" ${body:+-d "$body"}
}

# The message IDs the hub holds for the case's device, one a line, sorted, without repeats.
received_ids() {
    admin GET "messages?deviceId=$device" | grep -o '"messageId":"[^"]*"' | cut -d'"' -f4 | sort -u
}

# The message IDs kelvin queued (`--log-level debug` logs `queued <message-id>` per reading).
queued_ids() {
    grep -o 'queued [^ ]*' "$case_dir/kelvin.log" | cut -d' ' -f2 | sort -u
}

# Lines the emulator logged since the fault was injected.
cloud_lines_since_fault() {
    tail -n +"$((cloud_mark + 1))" "$case_dir/cloud.log"
}

# --- each case's fault ------------------------------------------------------------------------

# A fault script for every telemetry request until cleared.
script_fault() {
    local step=$1 steps
    steps=$(for _ in $(seq 1 1000); do printf '{"fault":"%s"},' "$step"; done)
    admin POST faults "{\"route\":\"telemetry\",\"steps\":[${steps%,}]}" >/dev/null
}

tls_mode() {
    admin POST "hubs/$1/tls" "{\"mode\":\"$2\"}" >/dev/null
}

# kelvin.conf: how the operator configures the hub's api-version (api-version case).
write_config() {
    printf '[hub]\napi_version = "%s"\n' "$1" >"$case_dir/kelvin.conf"
}

# The hosts file the dns case's kelvin sees as /etc/hosts: the machine's, with or without the
# hub's name. Rewritten in place: the bind mount holds this inode, and glibc reads the file on
# every lookup.
write_hosts() {
    { cat /etc/hosts; [ "$1" = with-hub ] && printf '127.0.0.1 %s\n' "$hub_name"; } >"$case_dir/hosts.tmp"
    cat "$case_dir/hosts.tmp" >"$case_dir/hosts"
}

case_serve_options() {
    case $1 in
    hub-moved) echo --hub hub-a --hub hub-b ;;
    dns) echo --public-host "$hub_name" ;;
    esac
}

case_recovery_seconds() {
    case $1 in
    # Going back to DPS takes --reprovision-after failed attempts at the old hub first.
    hub-moved) echo 60 ;;
    *) echo "$recovery_seconds" ;;
    esac
}

# What the wait for the readings counts from, for the report.
recovery_start() {
    case $1 in
    hub-moved) echo "DPS named hub-b" ;;
    api-version) echo "the configuration was fixed and reloaded" ;;
    *) echo "the fault was cleared" ;;
    esac
}

inject() {
    case $1 in
    close-mid-body) script_fault closeMidBody ;;
    garbage) script_fault garbage ;;
    stall) script_fault stall ;;
    plain-http | not-yet-valid | untrusted) tls_mode hub "$1" ;;
    hub-moved)
        # hub-a stays down for good; DPS names hub-b from now on.
        admin POST outage '{"hub":"hub-a","seconds":3600}' >/dev/null \
            && admin PUT "enrollments/$device" "{\"thumbprint\":\"$thumbprint\",\"hubs\":[\"hub-b\"]}" >/dev/null
        ;;
    api-version) write_config 2019-01-01 && kill -HUP "$kelvin_pid" ;;
    dns)
        # Cutting the kept-alive connection makes kelvin connect, and so resolve, again.
        write_hosts without-hub && admin POST hubs/hub/disconnect >/dev/null
        ;;
    esac
}

clear_fault() {
    case $1 in
    close-mid-body | garbage | stall | plain-http | not-yet-valid | untrusted) admin DELETE faults >/dev/null ;;
    hub-moved) true ;; # the point is that kelvin leaves hub-a, which stays down
    api-version) write_config 2020-03-13 && kill -HUP "$kelvin_pid" ;;
    dns) write_hosts with-hub ;;
    esac
}

# Succeeds when the fault was met while it lasted; otherwise says why not. A fault kelvin
# never met proves nothing.
exercised() {
    local name=$1 met
    case $name in
    close-mid-body) met=$(cloud_lines_since_fault | grep -c 'fault: .*: close in the middle of the answer') ;;
    garbage) met=$(cloud_lines_since_fault | grep -c 'fault: .*: answer with garbage') ;;
    stall) met=$(cloud_lines_since_fault | grep -c 'fault: .*: never answer') ;;
    plain-http) met=$(cloud_lines_since_fault | grep -c "captive portal's plain-HTTP 302") ;;
    not-yet-valid | untrusted) met=$(cloud_lines_since_fault | grep -c "TLS mode $name: presenting a stand-in") ;;
    hub-moved) met=$(cloud_lines_since_fault | grep -c 'hub-a: refused telemetry for .*: 503/') ;;
    api-version) met=$(cloud_lines_since_fault | grep -c 'refused telemetry for .*: 400/') ;;
    dns)
        # The emulator cannot see a lookup fail. It can see that no reading taken after the name
        # went reached the hub while it was gone (one sent before may still land: its request
        # can race the disconnect).
        tail -n +"$((kelvin_mark + 1))" "$case_dir/kelvin.log" | grep -o 'queued [^ ]*' | cut -d' ' -f2 | sort -u >"$case_dir/queued-during"
        local arrived
        arrived=$(comm -12 "$case_dir/queued-during" <(received_ids) | wc -l)
        if [ "$arrived" -gt 0 ]; then
            echo "$arrived reading(s) taken after $hub_name stopped resolving reached the hub anyway (a resolver cache?)"
            return 1
        fi
        met=$(wc -l <"$case_dir/queued-during")
        echo "$met reading(s) taken while the name did not resolve waited for it"
        [ "$met" -gt 0 ]
        return
        ;;
    esac
    echo "the fault was met $met time(s)"
    [ "$met" -gt 0 ]
}

# summarize PATTERN FILE: the lines matching PATTERN, one of each kind (the same but for numbers
# and tracking IDs) with how often it came, the first of each shown.
summarize() {
    grep -E "$1" "$2" | awk '{
        key = $0
        gsub(/tracking ID [^)]*/, "tracking ID", key)
        gsub(/[0-9]+/, "#", key)
        if (!(key in count)) { order[kinds++] = key; first[key] = $0 }
        count[key]++
    }
    END { for (i = 0; i < kinds && i < 8; i++) printf "      %d x %s\n", count[order[i]], first[order[i]] }'
}

# --- one case ---------------------------------------------------------------------------------

# run_case NAME: prints the case's line (and, when it fails, why); returns 1 when it fails.
run_case() {
    local name=$1
    case_dir=$work/$name
    device=kelvin-field-$name
    mkdir -p "$case_dir"
    local problems=() still_running=yes
    note() { problems+=("$*"); }

    local init_options=()
    [ "$name" = dns ] && init_options=(--server-name "$hub_name")
    local identity
    identity=$("$cloud" init --dir "$case_dir" --registration-id "$device" "${init_options[@]}") \
        || { echo "field-fault $name: FAIL: kelvin-cloud init failed: $identity"; return 1; }
    thumbprint=$(sed -nE 's/.*SHA-256 thumbprint ([0-9A-F]+).*/\1/p' <<<"$identity")
    # shellcheck disable=SC2046 # the options are words
    if ! cloud_start "$cloud" "$case_dir" "$case_dir/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 \
        --register-immediately --max-seconds 600 $(case_serve_options "$name") 2>"$case_dir/cloud-start.err"; then
        echo "field-fault $name: FAIL: $(cat "$case_dir/cloud-start.err")"
        return 1
    fi
    if [ "$name" = hub-moved ]; then
        admin PUT "enrollments/$device" "{\"thumbprint\":\"$thumbprint\",\"hubs\":[\"hub-a\"]}" >/dev/null \
            || note "the admin API did not enroll $device at hub-a"
    fi
    write_config 2020-03-13

    local run=("${kelvin[@]}" run --config "$case_dir/kelvin.conf" --dps "$cloud_dps" --ca-file "$case_dir/server-ca.pem"
        --cert "$case_dir/device-cert.pem" --key "$case_dir/device-key.pem" --state-dir "$case_dir/state"
        --count 0 --interval 0.3 --connect-timeout 1 --io-timeout 1 --reprovision-interval 2 --retry-cap 2 --round-pause 2
        --reprovision-after 4 --log-level debug)
    if [ "$name" = dns ]; then
        if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
            echo "field-fault $name: FAIL: needs root and unshare(1) to give kelvin a hosts file of its own"
            cloud_stop
            return 1
        fi
        write_hosts with-hub
        printf 'hosts: files\n' >"$case_dir/nsswitch.conf"
        # Its own mount namespace: /etc/hosts (and nsswitch.conf, so that no lookup leaves the
        # machine) are the case's files there and nowhere else. unshare and bash exec, so
        # kelvin_pid is kelvin's.
        unshare --mount --propagation private -- bash -c \
            'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
            field-faults "$case_dir/hosts" "$case_dir/nsswitch.conf" "${run[@]}" >"$case_dir/kelvin.log" 2>&1 &
    else
        "${run[@]}" >"$case_dir/kelvin.log" 2>&1 &
    fi
    kelvin_pid=$!

    # A few readings through before the fault.
    local delivered_before=0
    for _ in $(seq 1 150); do
        delivered_before=$(received_ids | wc -l)
        [ "$delivered_before" -ge 3 ] && break
        kill -0 "$kelvin_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ "$delivered_before" -lt 3 ]; then
        local status=0
        if kill -0 "$kelvin_pid" 2>/dev/null; then
            kill -KILL "$kelvin_pid"
            wait "$kelvin_pid" 2>/dev/null
            note "only $delivered_before reading(s) reached the hub in 30 s, before any fault"
        else
            wait "$kelvin_pid" || status=$?
            still_running=no
            note "kelvin exited $status before the fault, after $delivered_before reading(s) reached the hub"
        fi
        kelvin_pid=
    else
        cloud_mark=$(wc -l <"$case_dir/cloud.log")
        inject "$name" || note "injecting the fault failed"
        # After the injection: whatever kelvin queues from here on meets the fault.
        kelvin_mark=$(wc -l <"$case_dir/kelvin.log")
        local fault_end=$(( $(date +%s%3N) + hold_seconds * 1000 ))
        while [ "$(date +%s%3N)" -lt "$fault_end" ]; do
            if ! kill -0 "$kelvin_pid" 2>/dev/null; then
                still_running=no
                break
            fi
            sleep 0.2
        done
        local met
        met=$(exercised "$name") || note "the fault was not met while it lasted: $met"
        clear_fault "$name" || note "clearing the fault failed"
        if [ "$still_running" = no ]; then
            local status=0
            wait "$kelvin_pid" || status=$?
            kelvin_pid=
            note "kelvin exited $status during the fault"
        fi
    fi

    # Every reading taken reaches the hub: wait until none is missing.
    local taken=0 delivered=0 missing=0
    if [ -n "$kelvin_pid" ] && kill -0 "$kelvin_pid" 2>/dev/null; then
        local deadline=$(( $(date +%s) + $(case_recovery_seconds "$name") ))
        while :; do
            queued_ids >"$case_dir/queued"
            received_ids >"$case_dir/received"
            missing=$(comm -23 "$case_dir/queued" "$case_dir/received" | wc -l)
            [ "$missing" -eq 0 ] && break
            [ "$(date +%s)" -ge "$deadline" ] && break
            kill -0 "$kelvin_pid" 2>/dev/null || break
            sleep 0.3
        done
        taken=$(wc -l <"$case_dir/queued")
        delivered=$(( taken - missing ))
        if [ "$missing" -gt 0 ]; then
            if kill -0 "$kelvin_pid" 2>/dev/null; then
                note "$missing of $taken readings had not reached the hub $(case_recovery_seconds "$name") s after $(recovery_start "$name"), the oldest $(comm -23 "$case_dir/queued" "$case_dir/received" | sort -V | head -3 | tr '\n' ' ')"
            else
                note "kelvin exited after the fault was cleared, with $missing of $taken readings undelivered"
            fi
        fi
        if [ "$name" = hub-moved ]; then
            local at_b
            at_b=$(admin GET "messages?deviceId=$device" | grep -o '"hub":"hub-b"' | wc -l)
            [ "$at_b" -gt 0 ] || note "no reading reached hub-b, the hub DPS named after hub-a went down"
        fi
        if kill -0 "$kelvin_pid" 2>/dev/null; then
            kill -TERM "$kelvin_pid"
            for _ in $(seq 1 50); do kill -0 "$kelvin_pid" 2>/dev/null || break; sleep 0.2; done
            if kill -0 "$kelvin_pid" 2>/dev/null; then
                kill -KILL "$kelvin_pid"
                note "kelvin did not stop within 10 s of SIGTERM"
            fi
            local status=0
            wait "$kelvin_pid" || status=$?
            [ "$status" -eq 0 ] || note "kelvin exited $status after SIGTERM, expected 0"
        else
            local status=0
            wait "$kelvin_pid" || status=$?
            note "kelvin exited $status before SIGTERM"
        fi
        kelvin_pid=
    else
        queued_ids >"$case_dir/queued"
        received_ids >"$case_dir/received"
        taken=$(wc -l <"$case_dir/queued")
        delivered=$(comm -12 "$case_dir/queued" "$case_dir/received" | wc -l)
    fi
    local duplicates
    duplicates=$(admin GET "messages?deviceId=$device" | grep -o '"duplicates":[0-9]*' | cut -d: -f2)
    cloud_stop

    local verdict=PASS
    [ "$still_running" = yes ] && [ ${#problems[@]} -eq 0 ] || verdict=FAIL
    echo "field-fault $name: taken $taken, delivered $delivered, duplicates ${duplicates:-?}, still running during the fault: $still_running — $verdict"
    [ "$verdict" = PASS ] && return 0
    local problem
    for problem in "${problems[@]}"; do
        echo "    $problem"
    done
    echo "    kelvin's warnings and errors:"
    summarize 'warning:|error:' "$case_dir/kelvin.log"
    echo "    kelvin-cloud's faults and refusals:"
    summarize 'fault:|refused|TLS mode|failed|admin:' "$case_dir/cloud.log"
    return 1
}

start=$(date +%s%3N)
failed=()
for name in "${cases[@]}"; do
    [[ " ${all_cases[*]} " == *" $name "* ]] || { echo "field-faults: no case named $name (cases: ${all_cases[*]})" >&2; exit 64; }
    run_case "$name" || failed+=("$name")
done
elapsed=$(( $(date +%s%3N) - start ))
printf 'field-faults: %d of %d cases passed in %d.%d s\n' $(( ${#cases[@]} - ${#failed[@]} )) ${#cases[@]} \
    $((elapsed / 1000)) $((elapsed % 1000 / 100))
[ ${#failed[@]} -eq 0 ] || { echo "field-faults: FAIL: ${failed[*]}"; exit 1; }
