#!/usr/bin/env bash
# Fuzzes the HTTP/1.1 response parser with libFuzzer for a bounded time.
#   scripts/fuzz.sh                  60 s
#   FUZZ_SECONDS=300 scripts/fuzz.sh
# Compiles Sources/Wire, Sources/HTTP1 and fuzz/*.swift with `-sanitize=fuzzer,address` into
# .build-fuzz/, then runs from the seeds in fuzz/corpus plus the corpus earlier runs grew in
# .build-fuzz/corpus. A crash fails the script and leaves its input in out/fuzz/.
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"

SECONDS_TO_RUN="${FUZZ_SECONDS:-60}"
SCRATCH="$REPO_ROOT/.build-fuzz"
ARTIFACTS="$REPO_ROOT/out/fuzz"
FUZZER="$SCRATCH/http-response-fuzzer"
LOG="$ARTIFACTS/fuzz.log"

find_toolchain
runtime="$(find "$SWIFT_BIN_DIR/../lib/clang" -name "libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null | head -n1)"
[ -n "$runtime" ] || die "this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer-$(uname -m).a under $SWIFT_BIN_DIR/../lib/clang)"

# The linker: gold warns about every ASan check symbol it cannot export; lld (shipped with the
# toolchain) does not.
flags=(-O -g -sanitize=fuzzer,address -use-ld=lld -parse-as-library -enable-experimental-feature Extern -I "$SCRATCH")
compile_module() {
    local name="$1"
    "$SWIFT_BIN_DIR/swiftc" "${flags[@]}" -wmo -module-name "$name" \
        -emit-module -emit-module-path "$SCRATCH/$name.swiftmodule" \
        -c "$REPO_ROOT/Sources/$name"/*.swift -o "$SCRATCH/$name.o" \
        || die "compiling $name for fuzzing failed"
}

mkdir -p "$SCRATCH/corpus" "$ARTIFACTS"
t0="$(now)"
compile_module Wire
compile_module HTTP1
"$SWIFT_BIN_DIR/swiftc" "${flags[@]}" -module-name HTTPResponseFuzzer \
    "$REPO_ROOT"/fuzz/*.swift "$SCRATCH/Wire.o" "$SCRATCH/HTTP1.o" -o "$FUZZER" \
    || die "linking the fuzzer failed"
log "built ${FUZZER#"$REPO_ROOT"/} in $(elapsed "$t0"); fuzzing for ${SECONDS_TO_RUN} s"

cd "$REPO_ROOT"
# Swift's own crash backtracer reads memory ASan guards and turns a trap into an ASan report
# about itself; with it off, libFuzzer reports the trap as a deadly signal with its stack.
export SWIFT_BACKTRACE=enable=no
if [ -x "$SWIFT_BIN_DIR/llvm-symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$SWIFT_BIN_DIR/llvm-symbolizer"; fi
set +e
"$FUZZER" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/" "$SCRATCH/corpus" fuzz/corpus >"$LOG" 2>&1
status=$?
set -e

# libFuzzer's last status line: "#<runs> DONE cov: <edges> ft: <features> corp: <units>/<bytes> ... exec/s: <n>".
last="$(grep -E '^#[0-9]+' "$LOG" | tail -n1 || true)"
field() { awk -v key="$1" '{ for (i = 1; i < NF; i++) if ($i == key) print $(i + 1) }' <<<"$last"; }
final_stat() { grep -E "^stat::$1:" "$LOG" | awk '{ print $2 }' || true; }
[ "$status" -eq 0 ] && verdict="no crash in ${SECONDS_TO_RUN} s" || verdict="CRASHED"
echo "parser fuzzing: $verdict; $(final_stat number_of_executed_units) runs, $(field exec/s:) exec/s," \
    "coverage $(field cov:) edges / $(field ft:) features, corpus $(field corp:) (units/bytes)," \
    "peak rss $(final_stat peak_rss_mb) MB"

if [ "$status" -ne 0 ]; then
    grep -E -A40 '^==[0-9]+==|Fatal error|invariant:|deadly signal' "$LOG" | head -n80 >&2 || true
    reproducer="$(sed -n 's/.*Test unit written to //p' "$LOG" | tail -n1)"
    [ -n "$reproducer" ] || die "libFuzzer exited with status $status and wrote no reproducer; see ${LOG#"$REPO_ROOT"/}"
    die "the parser failed on ${reproducer#"$REPO_ROOT"/} (log: ${LOG#"$REPO_ROOT"/}); reproduce with: SWIFT_BACKTRACE=enable=no ${FUZZER#"$REPO_ROOT"/} ${reproducer#"$REPO_ROOT"/}"
fi
