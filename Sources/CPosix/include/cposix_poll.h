#ifndef CPOSIX_POLL_H
#define CPOSIX_POLL_H

// The event loop's one wait. Same rules as cposix.h, with one deliberate exception: a signal
// ends the wait (0, nothing ready) instead of being retried, so that the loop looks at the
// signal flags at once.

#include <stdint.h>

/// One descriptor to wait on; `ready` is set by `cposix_poll`.
typedef struct cposix_poll_entry {
    int32_t fd;
    /// 0: wait until readable; 1: until writable.
    int32_t for_writing;
    /// 1 when the descriptor is ready, hung up or in error after the wait; 0 otherwise.
    int32_t ready;
} cposix_poll_entry;

/// The most descriptors one wait takes.
enum { CPOSIX_POLL_CAPACITY = 16 };

/// Waits until one of `count` (at most CPOSIX_POLL_CAPACITY) descriptors is ready, at most
/// `timeout_ms` (< 0: no limit). Returns how many are ready, 0 on timeout or when a signal
/// arrived, or -errno. The corresponding C function is `poll`.
int cposix_poll(cposix_poll_entry *entries, uint32_t count, int timeout_ms);

#endif
