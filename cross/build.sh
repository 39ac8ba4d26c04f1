#!/usr/bin/env bash
# Cross-builds `kelvin` in Embedded Swift for a Raspberry Pi OS / Debian device architecture.
#   cross/build.sh ARCH [LINK...]     ARCH: aarch64 | armv7 | armv6;  LINK: dynamic (default) | static
#                                     (armv6: static only, the default)
#   -> out/ARCH-LINK/kelvin (with symbols), out/ARCH-LINK/kelvin.stripped (what you flash) and
#      out/ARCH-LINK/kelvin.map (the link map; cross/size-breakdown.py reads it)
# Installs what it needs first (cross gcc, the target's libraries, see select_target in lib.sh).
# Compile: SwiftPM with the Embedded stdlib's triple and a toolset written for the architecture
# (Linux defines, the target's headers), scratch .build-ARCH; one compile serves every LINK.
# Link: SwiftPM's object list with the target's gcc. dynamic: a PIE that needs libssl3,
# libgpiod2 and libi2c0 on the device; static: OpenSSL, libgpiod, libi2c and glibc linked in
# (a static PIE on aarch64; on armv7 and armv6 at a fixed address, see select_target).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -ge 1 ] || die "usage: cross/build.sh aarch64|armv7|armv6 [dynamic|static ...]"
select_target "$1"
shift
links=("$@")
[ ${#links[@]} -gt 0 ] || links=("${LINKS[0]}")
for link in "${links[@]}"; do
    case " ${LINKS[*]} " in
        *" $link "*) ;;
        *) die "LINK for $TARGET_ARCH must be one of: ${LINKS[*]} (got '$link')" ;;
    esac
done

ensure_target
find_toolchain
EMB_LIB="$(embedded_lib_dir "$TRIPLE")"
if [ "$TARGET_ARCH" = armv7 ]; then
    # The toolchain's armv7 Unicode tables are built for the base (soft-float) procedure call
    # standard, so GNU ld refuses to link them into a hard-float program ("uses VFP register
    # arguments"). Only one of their functions passes a floating-point value,
    # _swift_stdlib_getNumericValue (Unicode.Scalar.Properties.numericValue), and kelvin does not
    # use it (checked after the link); the rest take and return integers and pointers, which both
    # conventions pass alike. A copy without the ABI attributes links.
    mkdir -p "$SCRATCH/embedded-lib"
    "$GNU-objcopy" --remove-section=.ARM.attributes "$EMB_LIB/libswiftUnicodeDataTables.a" \
        "$SCRATCH/embedded-lib/libswiftUnicodeDataTables.a" || die "cannot copy the Unicode tables"
    EMB_LIB="$SCRATCH/embedded-lib"
fi

# armv7_instructions BINARY -- the ARMv7-only instructions in BINARY's code, with the function
# each is in. Debian's armel libraries are ARMv5TE (readelf -A), but libatomic.a also holds ARMv7
# variants of each atomic (libat_*_i1, with dmb and ldrexd), which its ifunc resolvers choose only
# when libat_have_strexbhd is set, and nothing ever sets it: on ARM they pick the kernel's
# __kuser_cmpxchg64 or a lock. Anything else here would be a SIGILL on an ARM1176. VFPv2's
# vldm/vstm/vmrs/vmsr are allowed: glibc and the unwinder use them only when the CPU has VFP.
armv7_instructions() {
    "$GNU-objdump" -d --no-show-raw-insn "$1" | awk '
        /^[0-9a-f]+ <.*>:$/ { fn = $2 }
        /^ *[0-9a-f]+:\t/ {
            split($0, f, "\t"); split(f[2], w, " "); op = w[1]
            if (op !~ /^[a-z][a-z0-9.]*$/ || fn ~ /^<libat_.*_i1>:$/) next
            if (op ~ /^(dmb|dsb|isb|movw|movt|ubfx|sbfx|bfi|bfc|mls|rbit|udiv|sdiv|pli)$/ || (op ~ /^v/ && op !~ /^v(ldm|stm|mrs|msr)/))
                print op, fn
        }' | sort | uniq -c | tr -s ' \n' ' '
}

write_toolset "$SCRATCH/toolset.json"
t0="$(now)"
swiftpm_compile "$TRIPLE" "$SCRATCH/toolset.json" "$SCRATCH"
t_compile="$(elapsed "$t0")"

for link in "${links[@]}"; do
    out_dir="$REPO_ROOT/out/$TARGET_ARCH-$link"
    out="$out_dir/$PRODUCT"
    case "$link" in
        dynamic) link_flags=() ;;
        static) link_flags=("${STATIC_FLAGS[@]}") ;;
    esac
    t1="$(now)"
    rm -f "$out" "$out.stripped" "$out.map"
    link_kelvin "$GNU-gcc" "$GNU-nm" "$out" "$EMB_LIB" -L"$TARGET_LIB_DIR" "${link_flags[@]}" -Wl,-Map="$out.map"
    t_link="$(elapsed "$t1")"
    if [ "$TARGET_ARCH" = armv7 ] && "$GNU-nm" "$out" | grep -q ' _swift_stdlib_getNumericValue$'; then
        die "the armv7 binary uses _swift_stdlib_getNumericValue, whose double result the soft-float Unicode tables return in r0/r1, not d0"
    fi
    if [ "$TARGET_ARCH" = armv6 ]; then
        armv7_code="$(armv7_instructions "$out")"
        [ -z "$armv7_code" ] || die "the armv6 binary holds ARMv7 instructions, which an ARM1176 cannot run (count, instruction, function): $armv7_code"
    fi
    "$GNU-strip" -o "$out.stripped" "$out" || die "$GNU-strip failed"

    file_line="$(file -b "$out.stripped")"
    case "$file_line" in
        *"$FILE_WORDS"*) ;;
        *) die "unexpected binary type: $file_line" ;;
    esac
    case "$link:$file_line" in
        dynamic:*"dynamically linked"* | static:*"$STATIC_WORDS"*) ;;
        *) die "not a $link binary: $file_line" ;;
    esac

    size="$(file_size "$out")"; ssize="$(file_size "$out.stripped")"
    echo "$TARGET_ARCH $link build of $PRODUCT: ok (compile $t_compile, link $t_link)"
    echo "  binary:   ${out#"$REPO_ROOT"/}.stripped"
    echo "  file:     $file_line"
    echo "  size:     $ssize bytes ($(human "$ssize")) stripped; $size bytes ($(human "$size")) with symbols in ${out#"$REPO_ROOT"/}"
    if [ "$link" = dynamic ]; then
        echo "  needs:    $("$GNU-readelf" -d "$out" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
    fi
done
