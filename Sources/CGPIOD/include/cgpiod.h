#ifndef CGPIOD_H
#define CGPIOD_H

// libgpiod behind the few calls Kelvin makes. Only this file knows whether it is v1.6 (Debian 12,
// Raspberry Pi OS bookworm) or v2.x (Debian 13, trixie); the Swift side never sees the difference.

/// The libgpiod version text, e.g. "1.6.3". The corresponding C function is `gpiod_version_string`
/// (v1) or `gpiod_api_version` (v2).
const char *cgpiod_library_version(void);

#endif
