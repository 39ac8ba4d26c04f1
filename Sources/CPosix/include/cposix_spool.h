#ifndef CPOSIX_SPOOL_H
#define CPOSIX_SPOOL_H

// An append-only file read back by offset, for the spool of unsent readings.
// Same rules as cposix.h: >= 0 or -errno, EINTR retried, no variadics.

#include <stdint.h>
#include <stddef.h>

/// Opens `path` for reading and appending (O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
/// O_NOFOLLOW), creating it with `mode` (less the umask). The corresponding C function is `open`.
int cposix_open_append(const char *path, uint32_t mode);
/// Reads up to `length` bytes at `offset`, looping until that many or the end; returns the
/// count. The corresponding C function is `pread`.
int64_t cposix_pread_all(int fd, void *buffer, size_t length, int64_t offset);
/// The file's size. The corresponding C function is `fstat`.
int64_t cposix_file_size(int fd);
/// The corresponding C function is `ftruncate`.
int cposix_ftruncate(int fd, int64_t size);

#endif
