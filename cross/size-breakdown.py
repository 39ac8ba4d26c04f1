#!/usr/bin/env python3
"""What a kelvin binary is made of, from the linker's map (cross/build.sh writes it).

    cross/size-breakdown.py out/ARCH-LINK/kelvin.map

Adds up the input sections the link kept in the sections that are loaded (no debug info, no
.bss), by where they came from: each Swift module, the Swift standard library code specialised
into it (its Unicode algorithms apart, told by the function's mangled name), the Unicode data
tables, the C shims, each static library, and what the linker itself makes (dynamic symbols,
relocations, PLT).
"""
import collections
import re
import sys

# Output sections that take no room in the file, or are not loaded.
SKIPPED = re.compile(r"^\.(debug|comment|ARM\.attributes|symtab|strtab|shstrtab|bss|tbss|stab|gnu\.warning|note\.GNU-stack|swift_ast)")
SWIFT_OBJECT = re.compile(r"/([A-Za-z0-9_]+)\.build/[^/]+\.swift\.o$")
C_OBJECT = re.compile(r"/(C[A-Za-z0-9_]+)\.build/[^/]+\.c\.o$")
MANGLED = re.compile(r"\$[es](\d+)([A-Za-z_][A-Za-z0-9_]*)")
UNICODE_CODE = re.compile(r"Unicode|Grapheme|NFC|NFD|Normaliz")
LIBRARIES = {
    "libswiftUnicodeDataTables.a": "Unicode data tables (libswiftUnicodeDataTables.a)",
    "libcrypto.a": "OpenSSL libcrypto.a", "libssl.a": "OpenSSL libssl.a",
    "libc.a": "glibc libc.a", "libm.a": "glibc libm.a", "libgpiod.a": "libgpiod.a", "libi2c.a": "libi2c.a",
    "libatomic.a": "libatomic.a (armel OpenSSL's 64-bit atomics)",
}


LINKER_MADE = re.compile(r"^\.(rela?\.(dyn|plt)|relr\.dyn|dynsym|dynstr|gnu\.hash|hash|gnu\.version.*|plt|iplt|got|got\.plt|dynamic|interp|eh_frame_hdr|note\..*)$")


def origin(output, section, source):
    if LINKER_MADE.match(output):
        return "made by the linker (dynamic symbols, relocations, PLT, GOT, notes)"
    if output in (".eh_frame", ".ARM.exidx", ".ARM.extab"):
        return "unwind tables (" + output + ")"
    swift = SWIFT_OBJECT.search(source)
    if swift:
        # A function is counted where its source is (its mangled name's module, or the standard
        # library), not in the module whose object it was specialised into.
        symbol = section.split(".", 2)[-1] if section.count(".") >= 2 else ""
        if symbol.startswith(("$e", "$s")):
            mangled = MANGLED.match(symbol)
            if mangled and len(mangled.group(2)) >= int(mangled.group(1)):
                return "Swift module " + mangled.group(2)[: int(mangled.group(1))]
            if UNICODE_CODE.search(symbol):
                return "Swift stdlib: Unicode algorithms (String ==, hashing, Character)"
            return "Swift stdlib: generic code specialised in"
        return "Swift module " + swift.group(1)
    if C_OBJECT.search(source):
        return "C shims (CPosix, COpenSSL, CGPIOD)"
    library = re.search(r"([^/]+\.a)\(", source)
    if library:
        return LIBRARIES.get(library.group(1), "other static libraries (libgcc, ...)")
    if source.endswith(".o"):
        return "C runtime start files (crt*.o)"
    return "made by the linker (dynamic symbols, relocations, PLT, GOT)"


def main():
    sizes = collections.Counter()
    output, pending = None, None
    started = False
    with open(sys.argv[1], encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not started:
                started = line.startswith("Linker script and memory map")
                continue
            if line and not line[0].isspace():
                name = line.split()[0] if line.split() else ""
                output = name if name.startswith(".") else output
                pending = None
                continue
            fields = line.split()
            if output is None or SKIPPED.match(output) or not fields:
                continue
            if len(fields) == 1 and fields[0].startswith("."):
                pending = fields[0]  # a long input section name; its address and size follow
                continue
            if fields[0].startswith(".") and len(fields) >= 4:
                section, address, size, source = fields[0], fields[1], fields[2], " ".join(fields[3:])
            elif pending and len(fields) >= 3 and fields[0].startswith("0x"):
                section, address, size, source = pending, fields[0], fields[1], " ".join(fields[2:])
            elif fields[0].startswith("*fill*") and len(fields) >= 3:
                section, size, source = "", fields[2], "padding"
            else:
                continue
            pending = None
            if not size.startswith("0x"):
                continue
            group = "alignment padding" if source == "padding" else origin(output, section, source)
            sizes[group] += int(size, 16)
    total = sum(sizes.values())
    for name, size in sizes.most_common():
        print(f"  {size / 1024:8.1f} KiB  {100 * size / total:5.1f}%  {name}")
    print(f"  {total / 1024:8.1f} KiB  in loaded sections (the file adds headers and page alignment)")


if __name__ == "__main__":
    main()
