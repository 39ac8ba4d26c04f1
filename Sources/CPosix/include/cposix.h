#ifndef CPOSIX_H
#define CPOSIX_H

// The device's only window onto libc and the kernel. Every function returns >= 0 on success or
// -errno on failure, retries EINTR itself, and takes no variadic arguments, so the Swift side
// needs neither Glibc nor errno.

#include <stdint.h>
#include <stddef.h>

/// Opens `path` read-only (O_CLOEXEC). The corresponding C function is `open`.
int cposix_open_read(const char *path);
/// The corresponding C function is `close`.
int cposix_close(int fd);
/// The corresponding C function is `read`.
int64_t cposix_read(int fd, void *buffer, size_t length);
/// One `write`: returns how many bytes were taken, or -EAGAIN when a non-blocking descriptor
/// takes none. The corresponding C function is `write`.
int64_t cposix_write(int fd, const void *buffer, size_t length);
/// Writes all of `length` bytes unless an error occurs. The corresponding C function is `write`.
int64_t cposix_write_all(int fd, const void *buffer, size_t length);

/// Opens `path` for writing (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW), creating it
/// with `mode` (less the umask). The corresponding C function is `open`.
int cposix_open_write(const char *path, uint32_t mode);
/// Opens the directory `path` (O_RDONLY | O_DIRECTORY | O_CLOEXEC), to fsync it after a rename.
/// The corresponding C function is `open`.
int cposix_open_directory(const char *path);
/// Sets the permission bits of an open file, not subject to the umask. The corresponding C
/// function is `fchmod`.
int cposix_fchmod(int fd, uint32_t mode);
/// The corresponding C function is `fsync`.
int cposix_fsync(int fd);
/// The corresponding C function is `rename`.
int cposix_rename(const char *from, const char *to);
/// The corresponding C function is `unlink`.
int cposix_unlink(const char *path);
/// Creates the directory `path` with `mode` (less the umask). The corresponding C function is `mkdir`.
int cposix_mkdir(const char *path, uint32_t mode);

/// The message for a `getaddrinfo` error code. The corresponding C function is `gai_strerror`.
const char *cposix_resolution_error_text(int code);

/// Waits until `fd` is readable (`for_writing` = 0) or writable (1), at most `timeout_ms`.
/// Returns 1 when ready, 0 on timeout. The corresponding C function is `poll`.
int cposix_wait(int fd, int for_writing, int timeout_ms);

/// Milliseconds of CLOCK_MONOTONIC. The corresponding C function is `clock_gettime`.
int64_t cposix_monotonic_milliseconds(void);
/// Seconds since the epoch from CLOCK_REALTIME. The corresponding C function is `clock_gettime`.
int64_t cposix_wall_clock_seconds(void);
/// Milliseconds since 1970 (CLOCK_REALTIME), for stamping readings.
int64_t cposix_wall_clock_milliseconds(void);
/// Fills the buffer from the kernel's random pool (`getrandom`); the count or -errno.
int64_t cposix_random_bytes(void *buffer, size_t length);
/// Sleeps `milliseconds`, resuming after signals. The corresponding C function is `nanosleep`.
int cposix_sleep_milliseconds(int64_t milliseconds);

/// The corresponding C function is `strerror`.
const char *cposix_error_text(int error_number);
/// The corresponding C function is `getenv`; NULL when unset.
const char *cposix_environment_value(const char *name);
/// Copies the value of `name` into `buffer` (at most `capacity` bytes), then overwrites the
/// value in the environment's own memory (which /proc/PID/environ shows) and removes the
/// variable: for a secret that must not outlive its one read. Returns the value's length,
/// -ENOENT when unset, -ERANGE when longer than `capacity` (wiped and removed all the same).
/// The corresponding C functions are `getenv`, `explicit_bzero` and `unsetenv`.
int64_t cposix_environment_take(const char *name, void *buffer, size_t capacity);
/// Overwrites `length` bytes with zeros in a way the compiler may not drop as a dead store.
/// The corresponding C function is `explicit_bzero`.
void cposix_wipe(void *buffer, size_t length);
/// The `index`th `NAME=value` of `environ`; NULL past the last.
const char *cposix_environment_entry(size_t index);
/// Ignores SIGPIPE so that writing to a socket the peer closed is an EPIPE error, not death.
void cposix_ignore_broken_pipe(void);

#endif
