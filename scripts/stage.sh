#!/usr/bin/env bash
# Runs one stage of `make test`, printing its name, wall time and outcome.
#   scripts/stage.sh NAME COMMAND...
set -uo pipefail
name=$1
shift
echo "=== stage: $name"
start=$(date +%s%3N)
"$@"
status=$?
elapsed=$(( $(date +%s%3N) - start ))
printf '=== stage: %s %s in %d.%03d s\n' "$name" "$([ $status -eq 0 ] && echo passed || echo FAILED)" $((elapsed / 1000)) $((elapsed % 1000))
mkdir -p out
printf '%s\t%s\t%d\n' "$name" "$status" "$elapsed" >>out/stage-times.tsv
exit $status
