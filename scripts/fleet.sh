#!/usr/bin/env bash
# A fleet of simulated `kelvin run` devices (kelvin-fleet, Sources/FleetSimulation) through a
# 10-minute DPS and hub outage, a hub failover, and a failover against a tightly throttled DPS,
# on a virtual clock. Prints the table and histograms into out/fleet/report.txt too, and plots
# requests per second for each run into out/fleet/fleet.png.
#   scripts/fleet.sh                     1,000 devices, a reading a minute
#   scripts/fleet.sh --devices 5000      any kelvin-fleet option (kelvin-fleet --help)
# Fails when a check fails (a broken DPS limit, a lost or twice-stored reading).
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"

OUT="$REPO_ROOT/out/fleet"
mkdir -p "$OUT"
cd "$REPO_ROOT"
# The debug build: it shares the device modules `make test` builds, and the three runs take
# about 10 s of CPU in it.
swift build --product kelvin-fleet >&2 || die "building kelvin-fleet failed"
fleet="$(swift build --show-bin-path)/kelvin-fleet"

set +e
"$fleet" --out "$OUT" "$@" | tee "$OUT/report.txt"
status=${PIPESTATUS[0]}
set -e

if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "dir='$OUT'" scripts/fleet.gnuplot || die "gnuplot failed to draw $OUT/fleet.png"
    log "plot: $OUT/fleet.png"
else
    log "gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox); no plot drawn"
fi
exit "$status"
