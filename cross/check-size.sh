#!/usr/bin/env bash
# Fails when a stripped device binary is larger than its budget in cross/size-budget, and prints
# what each budgeted binary is made of (cross/size-breakdown.py over its link map).
#   cross/check-size.sh          build first: cross/build.sh aarch64
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

over=0
while read -r artefact budget _; do
    case "$artefact" in '' | '#'*) continue ;; esac
    binary="$REPO_ROOT/out/$artefact/$PRODUCT.stripped"
    [ -f "$binary" ] || die "${binary#"$REPO_ROOT"/} not found; run cross/build.sh ${artefact%-*} ${artefact##*-} first"
    size="$(file_size "$binary")"
    echo "$artefact: $size bytes ($(human "$size")) stripped; budget $budget bytes ($(human "$budget"))"
    python3 "$CROSS_DIR/size-breakdown.py" "$REPO_ROOT/out/$artefact/$PRODUCT.map"
    if [ "$size" -gt "$budget" ]; then
        echo "error: ${binary#"$REPO_ROOT"/} is $((size - budget)) bytes over its budget (cross/size-budget)" >&2
        over=1
    else
        echo "  ok: $((budget - size)) bytes below the budget"
    fi
done <"$CROSS_DIR/size-budget"
exit $over
