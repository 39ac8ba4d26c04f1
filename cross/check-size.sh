#!/usr/bin/env bash
# Fails when a stripped device binary is larger than its budget in cross/size-budget, and prints
# what each one is made of (cross/size-breakdown.py over its link map). Checks every budgeted
# artefact that was built (cross/build.sh ARCH LINK) and fails on a built one without a budget,
# so that a new artefact cannot ship unmeasured.
#   cross/check-size.sh          build first: cross/build.sh aarch64 (or any other)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUDGETS="$CROSS_DIR/size-budget"
over=0 checked=0
while read -r artefact budget _; do
    case "$artefact" in '' | '#'*) continue ;; esac
    binary="$REPO_ROOT/out/$artefact/$PRODUCT.stripped"
    if [ ! -f "$binary" ]; then
        echo "$artefact: not built, not checked (cross/build.sh ${artefact%-*} ${artefact##*-})"
        continue
    fi
    checked=$((checked + 1))
    size="$(file_size "$binary")"
    echo "$artefact: $size bytes ($(human "$size")) stripped; budget $budget bytes ($(human "$budget"))"
    python3 "$CROSS_DIR/size-breakdown.py" "$REPO_ROOT/out/$artefact/$PRODUCT.map"
    if [ "$size" -gt "$budget" ]; then
        echo "error: $artefact (${binary#"$REPO_ROOT"/}) is $size bytes, $((size - budget)) over its budget of $budget (cross/size-budget)" >&2
        over=1
    else
        echo "  ok: $((budget - size)) bytes below the budget"
    fi
done <"$BUDGETS"
for binary in "$REPO_ROOT"/out/*/"$PRODUCT.stripped"; do
    [ -f "$binary" ] || continue
    artefact="$(basename "$(dirname "$binary")")"
    case "$artefact" in embedded-host*) continue ;; esac
    if ! grep -q "^$artefact " "$BUDGETS"; then
        echo "error: $artefact (${binary#"$REPO_ROOT"/}) is $(file_size "$binary") bytes and has no budget in cross/size-budget" >&2
        over=1
    fi
done
[ "$checked" -gt 0 ] || die "no budgeted binary is built; run cross/build.sh ARCH LINK first"
exit $over
