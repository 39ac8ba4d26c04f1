#!/usr/bin/env bash
# Starts or stops the benchmark's nginx, as the current user, from a runtime directory.
#   bench/server.sh start RUNDIR IDENTITIES PORT CLOSE_PORT FULL_PORT CLOSE12_PORT IDS12_PORT FULL12_PORT
# (prints the worker's pid). PORT keeps connections alive; the others answer one request per
# connection. FULL_PORT and FULL12_PORT refuse resumption; the *12 ports speak TLS 1.2 only, and
# IDS12_PORT resumes by session ID only.
#   bench/server.sh stop RUNDIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nginx="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

case "${1:-}" in
    start)
        run="$2" identities="$3" port="$4" close_port="$5" full_port="$6"
        close12_port="$7" ids12_port="$8" full12_port="$9"
        mkdir -p "$run"
        # Run as root (no sudo needed otherwise), the workers would drop to "nobody": keep them
        # as the user who started the benchmark.
        user=""
        [ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
        sed -e "s|@DIR@|$run|g" -e "s|@IDENTITIES@|$identities|g" -e "s|@PORT@|$port|g" \
            -e "s|@CLOSE_PORT@|$close_port|g" -e "s|@FULL_PORT@|$full_port|g" \
            -e "s|@CLOSE12_PORT@|$close12_port|g" -e "s|@IDS12_PORT@|$ids12_port|g" -e "s|@FULL12_PORT@|$full12_port|g" \
            -e "s|@USER@|$user|" \
            "$here/nginx.conf.in" > "$run/nginx.conf"
        "$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log" -t -q
        "$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log"
        for _ in $(seq 50); do
            if [ -s "$run/nginx.pid" ]; then
                worker="$(pgrep -P "$(cat "$run/nginx.pid")" | head -n1 || true)"
                if [ -n "$worker" ]; then
                    echo "$worker"
                    exit 0
                fi
            fi
            sleep 0.1
        done
        echo "nginx did not start; see $run/error.log" >&2
        exit 1
        ;;
    stop)
        run="$2"
        [ -s "$run/nginx.pid" ] || exit 0
        pid="$(cat "$run/nginx.pid")"
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || exit 0
            sleep 0.1
        done
        kill -TERM "$pid" 2>/dev/null || true
        ;;
    *)
        echo "usage: server.sh start RUNDIR IDENTITIES PORT CLOSE_PORT FULL_PORT CLOSE12_PORT IDS12_PORT FULL12_PORT | stop RUNDIR" >&2
        exit 64
        ;;
esac
