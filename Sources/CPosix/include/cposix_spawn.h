#ifndef CPOSIX_SPAWN_H
#define CPOSIX_SPAWN_H

// Running another program to its end, for the one-off tools a command hands work to (tpm2-tools
// for persisting a TPM key, which no OpenSSL provider does). Same rules as cposix.h.

/// Runs `argv[0]` (looked up in PATH) with `argv`, the same environment and standard streams,
/// stdout sent to /dev/null when `quiet`, and waits for it: its exit status (0-255), 128 + the
/// signal that ended it, or -errno when it could not be started (-ENOENT: not installed).
/// The corresponding C functions are `posix_spawnp` and `waitpid`.
int cposix_run(const char *const *argv, int quiet);

#endif
