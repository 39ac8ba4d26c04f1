#ifndef CPOSIX_FILE_H
#define CPOSIX_FILE_H

// Opening files that may not be what their path promises, and state-directory chores.
// Same rules as cposix.h: >= 0 or -errno, EINTR retried, no variadics.

#include <stdint.h>

/// Opens `path` read-only (O_RDONLY | O_CLOEXEC | O_NONBLOCK, and O_NOFOLLOW unless
/// `follow_links`), then `fstat`s the descriptor and stores its `st_mode` in `*mode`. The open
/// never blocks, even on a FIFO with no writer; the caller checks the type and closes what is
/// not a regular file. A regular file is left blocking for its reads. A symbolic link refused
/// by O_NOFOLLOW is -ELOOP.
/// The corresponding C functions are `open` and `fstat`.
int cposix_open_inspected(const char *path, int follow_links, uint32_t *mode);
/// The `st_mode` of an open descriptor. The corresponding C function is `fstat`.
int64_t cposix_descriptor_mode(int fd);
/// A second name for the file `from`; -EEXIST when `to` exists. The corresponding C function
/// is `link`.
int cposix_link(const char *from, const char *to);
/// Takes an exclusive lock on the whole file without waiting: -EWOULDBLOCK (-EAGAIN) when
/// another open file description holds it. The corresponding C function is `flock` with
/// LOCK_EX | LOCK_NB.
int cposix_lock_exclusive(int fd);
/// Opens (creating, 0644 less the umask) a lock file for reading and writing without following
/// a symbolic link (O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK).
/// The corresponding C function is `open`.
int cposix_open_lock(const char *path);

#endif
