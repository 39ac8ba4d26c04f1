#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes with libFuzzer: one target per reader (fuzz/Main.swift
# lists them; fuzz/*Fuzzer.swift say what each checks beyond "no crash").
#   scripts/fuzz.sh                      all targets, FUZZ_SECONDS (default 90) shared among them
#   scripts/fuzz.sh json spool           only these targets
#   FUZZ_RUNS=10000000 scripts/fuzz.sh   each target to that many executions (`make fuzz-long`),
#                                        then a table of executions, edges, features, time, exec/s;
#                                        FUZZ_MAX_SECONDS bounds each target's time as well
# Compiles Sources/{Wire,HTTP1,AzureIoT,Sensors,Agent} (each only when its sources changed) and
# fuzz/*.swift with `-sanitize=fuzzer,address` into .build-fuzz/, links one binary and names it
# once per target (.build-fuzz/<target>-fuzzer). Each target runs from its seeds in
# fuzz/corpus/<target> plus the corpus earlier runs grew in .build-fuzz/corpus/<target>, with
# fuzz/dict/<target>.dict when there is one. A crash or a broken invariant fails the script and
# leaves its input in out/fuzz/<target>/.
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"

SCRATCH="$REPO_ROOT/.build-fuzz"
ARTIFACTS="$REPO_ROOT/out/fuzz"
FUZZER="$SCRATCH/kelvin-fuzzer"
RUNS="${FUZZ_RUNS:-}"
MAX_SECONDS="${FUZZ_MAX_SECONDS:-}"
TOTAL_SECONDS="${FUZZ_SECONDS:-90}"
# Modules in dependency order, each with the modules it imports (Package.swift).
MODULES=(Wire HTTP1 AzureIoT Sensors Agent)
declare -A DEPENDENCIES=([Wire]="" [HTTP1]="Wire" [AzureIoT]="Wire HTTP1" [Sensors]="Wire" [Agent]="Wire HTTP1 AzureIoT Sensors")

mapfile -t ALL_TARGETS < <(sed -n 's/.*FuzzTarget(name: "\([a-z0-9-]*\)".*/\1/p' "$REPO_ROOT/fuzz/Main.swift")
[ "${#ALL_TARGETS[@]}" -gt 0 ] || die "no FuzzTarget(name: ...) found in fuzz/Main.swift"
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for target in "${TARGETS[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] || die "no fuzz target \"$target\"; the targets are: ${ALL_TARGETS[*]}"
done
if [ -n "$RUNS" ]; then
    [[ "$RUNS" =~ ^[0-9]+$ ]] || die "FUZZ_RUNS=$RUNS is not a number of executions"
    [[ "$MAX_SECONDS" =~ ^[0-9]*$ ]] || die "FUZZ_MAX_SECONDS=$MAX_SECONDS is not a number of seconds"
else
    [[ "$TOTAL_SECONDS" =~ ^[0-9]+$ ]] || die "FUZZ_SECONDS=$TOTAL_SECONDS is not a number of seconds"
fi

find_toolchain
runtime="$(find "$SWIFT_BIN_DIR/../lib/clang" -name "libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null | head -n1)"
[ -n "$runtime" ] || die "this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer-$(uname -m).a under $SWIFT_BIN_DIR/../lib/clang)"

# The linker: gold warns about every ASan check symbol it cannot export; lld (shipped with the
# toolchain) does not. `-enable-testing` lets a harness reach internal entry points
# (`DS18B20Source.parse`, `ChecksummedText`) with `@testable import`, as the unit tests do.
flags=(-O -g -sanitize=fuzzer,address -use-ld=lld -parse-as-library -enable-experimental-feature Extern -enable-testing -I "$SCRATCH")
stamp="$("$SWIFT_BIN_DIR/swiftc" --version 2>&1 | head -n1) ${flags[*]}"

# Compiles a module unless its object was built with these flags and is newer than its
# sources and than the modules it imports: with the sanitizers each takes a minute or more.
is_current() {
    local name="$1" object="$SCRATCH/$1.o" dependency
    [ -f "$object" ] && [ "$(cat "$SCRATCH/$name.stamp" 2>/dev/null)" = "$stamp" ] || return 1
    [ -z "$(find "$REPO_ROOT/Sources/$name" -name '*.swift' -newer "$object" | head -n1)" ] || return 1
    for dependency in ${DEPENDENCIES[$name]}; do
        [ "$SCRATCH/$dependency.o" -ot "$object" ] || return 1
    done
}
compile_module() {
    local name="$1" object="$SCRATCH/$1.o"
    is_current "$name" && return
    local t0
    t0="$(now)"
    "$SWIFT_BIN_DIR/swiftc" "${flags[@]}" -wmo -module-name "$name" \
        -emit-module -emit-module-path "$SCRATCH/$name.swiftmodule" \
        -c "$REPO_ROOT/Sources/$name"/*.swift -o "$object" \
        || die "compiling $name for fuzzing failed"
    # The compiler leaves an object it would write unchanged untouched; its time must still say
    # it is newer than what it was compiled against.
    touch "$object"
    printf '%s\n' "$stamp" >"$SCRATCH/$name.stamp"
    log "compiled $name in $(elapsed "$t0")"
}

mkdir -p "$SCRATCH" "$ARTIFACTS"
t0="$(now)"
for module in "${MODULES[@]}"; do compile_module "$module"; done
objects=()
for module in "${MODULES[@]}"; do objects+=("$SCRATCH/$module.o"); done
# Linked beside and moved into place, so that a run of the script alongside (another set of
# targets) never starts a half-written binary; skipped when nothing it is made of changed.
if [ ! -f "$FUZZER" ] || [ -n "$(find "$REPO_ROOT"/fuzz/*.swift "${objects[@]}" -newer "$FUZZER" | head -n1)" ]; then
    "$SWIFT_BIN_DIR/swiftc" "${flags[@]}" -module-name KelvinFuzz "$REPO_ROOT"/fuzz/*.swift "${objects[@]}" -o "$FUZZER.$$" \
        || die "linking the fuzzer failed"
    mv -f "$FUZZER.$$" "$FUZZER"
fi
for target in "${ALL_TARGETS[@]}"; do ln -sf "$(basename "$FUZZER")" "$SCRATCH/$target-fuzzer"; done
seconds_each=$(( TOTAL_SECONDS / ${#TARGETS[@]} ))
[ "$seconds_each" -ge 3 ] || seconds_each=3
if [ -n "$RUNS" ]; then budget="$RUNS executions each"; else budget="${seconds_each} s each"; fi
log "built ${FUZZER#"$REPO_ROOT"/} in $(elapsed "$t0"); fuzzing ${#TARGETS[@]} target(s), $budget"

cd "$REPO_ROOT"
# Swift's own crash backtracer reads memory ASan guards and turns a trap into an ASan report
# about itself; with it off, libFuzzer reports the trap as a deadly signal with its stack.
export SWIFT_BACKTRACE=enable=no
if [ -x "$SWIFT_BIN_DIR/llvm-symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$SWIFT_BIN_DIR/llvm-symbolizer"; fi

# The longest input each target is given: a spool file needs room past its 4 KiB bound to be
# compacted; everything else is a header, a body or a small file.
max_len() {
    case "$1" in
        spool) echo 12288 ;;
        *) echo 4096 ;;
    esac
}

# libFuzzer's last status line: "#<runs> DONE cov: <edges> ft: <features> corp: <units>/<bytes> ... exec/s: <n>".
status_field() { grep -E '^#[0-9]+' "$2" | tail -n1 | awk -v key="$1" '{ for (i = 1; i < NF; i++) if ($i == key) print $(i + 1) }'; }
final_stat() { grep -E "^stat::$1:" "$2" | awk '{ print $2 }' || true; }

failed=()
table=()
for target in "${TARGETS[@]}"; do
    corpus="$SCRATCH/corpus/$target"
    seeds="fuzz/corpus/$target"
    log_file="$ARTIFACTS/$target.log"
    mkdir -p "$corpus" "$ARTIFACTS/$target"
    [ -d "$seeds" ] || die "no seed corpus $seeds for the target $target; add a few real inputs there"
    options=(-max_len="$(max_len "$target")" -timeout=10 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target/")
    if [ -n "$RUNS" ]; then
        options+=(-runs="$RUNS")
        [ -z "$MAX_SECONDS" ] || options+=(-max_total_time="$MAX_SECONDS")
    else
        options+=(-max_total_time="$seconds_each")
    fi
    [ -f "fuzz/dict/$target.dict" ] && options+=(-dict="fuzz/dict/$target.dict")
    started="$(now)"
    set +e
    "$SCRATCH/$target-fuzzer" "${options[@]}" "$corpus" "$seeds" >"$log_file" 2>&1
    status=$?
    set -e
    wall="$(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"

    runs="$(final_stat number_of_executed_units "$log_file")"
    cov="$(status_field cov: "$log_file")"
    features="$(status_field ft: "$log_file")"
    rate="$(awk -v r="${runs:-0}" -v t="$wall" 'BEGIN { printf "%.0f", (t > 0 ? r / t : 0) }')"
    [ "$status" -eq 0 ] && verdict="ok" || verdict="CRASHED"
    printf '%-17s %-7s %9s runs in %6s s, %6s exec/s, cov %5s edges / %6s features, corpus %s\n' "$target" "$verdict" \
        "${runs:-?}" "$wall" "$rate" "${cov:-?}" "${features:-?}" "$(status_field corp: "$log_file")"
    table+=("$(printf '| %s | %s | %s | %s | %s | %s |' "$target" "${runs:-?}" "${cov:-?}" "${features:-?}" "$wall" "$rate")")

    if [ "$status" -ne 0 ]; then
        grep -E -A40 '^==[0-9]+==|Fatal error|invariant:|deadly signal' "$log_file" | head -n60 >&2 || true
        reproducer="$(sed -n 's/.*Test unit written to //p' "$log_file" | tail -n1)"
        if [ -n "$reproducer" ]; then
            failed+=("$target: ${reproducer#"$REPO_ROOT"/} (log: ${log_file#"$REPO_ROOT"/}); reproduce with: SWIFT_BACKTRACE=enable=no .build-fuzz/$target-fuzzer ${reproducer#"$REPO_ROOT"/}")
        else
            failed+=("$target: libFuzzer exited with status $status and wrote no reproducer; see ${log_file#"$REPO_ROOT"/}")
        fi
    fi
done

if [ -n "$RUNS" ]; then
    echo
    echo "| target | executions | edges (cov) | features | time (s) | exec/s |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${table[@]}"
fi
if [ "${#failed[@]}" -gt 0 ]; then
    printf 'error: %s\n' "${failed[@]}" >&2
    die "${#failed[@]} of ${#TARGETS[@]} fuzz target(s) failed"
fi
echo "parser fuzzing: ${#TARGETS[@]} target(s), no crash and no broken invariant"
