#!/usr/bin/env bash
# The layering rules the two builds depend on, checked from the sources:
# - only Platform, HTTPSClient and the C shims import a C module;
# - no device module imports Foundation, Glibc or Dispatch (Embedded Swift has none of them);
# - device modules use typed throws only and no `any P` existentials.
set -uo pipefail
cd "$(dirname "$0")/.."

device_modules=(Wire HTTP1 AzureIoT Sensors Agent Platform HTTPSClient DeviceRuntime kelvin)
core_modules=(Wire HTTP1 AzureIoT Sensors Agent kelvin)
problems=0

report() {
    echo "check-layering: $1" >&2
    echo "$2" | sed 's/^/    /' >&2
    problems=$((problems + 1))
}

for module in "${core_modules[@]}"; do
    hits=$(grep -nE '^\s*import\s+C[A-Z]' "Sources/$module"/*.swift 2>/dev/null)
    [ -n "$hits" ] && report "$module must not import a C module" "$hits"
done
for module in "${device_modules[@]}"; do
    hits=$(grep -nE '^\s*import\s+(Foundation|FoundationEssentials|Glibc|Dispatch)\b' "Sources/$module"/*.swift 2>/dev/null)
    [ -n "$hits" ] && report "$module is a device module and must not import Foundation/Glibc/Dispatch" "$hits"
    hits=$(grep -nE '\bthrows\s*(->|\{|$)|\brethrows\b' "Sources/$module"/*.swift 2>/dev/null | grep -v '^\S*:\s*//')
    [ -n "$hits" ] && report "$module must use typed throws" "$hits"
    hits=$(grep -nE '(:|->|<|\(|,)\s*any\s+[A-Z]' "Sources/$module"/*.swift 2>/dev/null | grep -v AnyObject)
    [ -n "$hits" ] && report "$module must use generics, not existentials" "$hits"
done

if [ "$problems" -gt 0 ]; then
    echo "check-layering: $problems problem(s)" >&2
    exit 1
fi
echo "check-layering: ${#device_modules[@]} device modules follow the layering rules"
