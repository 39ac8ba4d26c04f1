#ifndef CPOSIX_RESOLVE_H
#define CPOSIX_RESOLVE_H

// Name resolution that never blocks the caller: `getaddrinfo` runs on a thread of its own and a
// descriptor becomes readable when it is done, so an event loop polls it with its other
// descriptors and gives up at its own deadline. Same rules as cposix.h.
//
// A thread of our own rather than glibc's getaddrinfo_a: getaddrinfo_a reports completion
// through a thread it creates at that moment, and when that creation fails it drops the
// notification without a trace (its __gai_notify_only tests pthread_create's result with `< 0`),
// so the descriptor would never become readable and the request's memory could never be freed
// by whoever finishes last; its return value does not say whether a notification will follow
// (EAI_SYSTEM: it will, EAI_AGAIN: the request runs but never notifies); and it starts that
// thread with every signal unblocked. Its one extra, gai_cancel, only ever takes back a request
// still queued, which a device doing one lookup at a time never has. Our thread is created with
// every signal blocked, reports its own creation failure at once, and is the only other holder
// of the request.

#include <stddef.h>
#include <stdint.h>

/// An IPv4 or IPv6 socket address, without struct sockaddr crossing into Swift.
typedef struct cposix_socket_address {
    /// 4 or 6.
    int32_t family;
    uint16_t port;
    /// The IPv6 scope (interface index) of a link-local address; 0 otherwise.
    uint32_t scope_id;
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    uint8_t address[16];
} cposix_socket_address;

/// One lookup in progress or done, shared between its owner and the lookup thread.
typedef struct cposix_resolution cposix_resolution;

/// Starts resolving `host` for TCP port `port` (AF_UNSPEC, AI_ADDRCONFIG) on a thread of its
/// own and returns at once: 0 with `*out` set, or -errno (-ENOMEM, -ENAMETOOLONG for a host over
/// 253 bytes, or the errno of `eventfd` or `pthread_create`). The corresponding C functions are
/// `pthread_create` and, on that thread, `getaddrinfo`.
int cposix_resolution_start(const char *host, uint16_t port, cposix_resolution **out);
/// The descriptor that becomes readable when the lookup is done (an eventfd).
int cposix_resolution_descriptor(const cposix_resolution *resolution);
/// -EINPROGRESS while the lookup runs; once done, how many addresses it found (0 on failure)
/// with its `getaddrinfo` code in `*gai_error` (0 on success).
int cposix_resolution_result(const cposix_resolution *resolution, int *gai_error);
/// Copies the `index`th address, in getaddrinfo's order; 0, or -EINVAL past the last or before
/// the lookup finished.
int cposix_resolution_address(const cposix_resolution *resolution, int index, cposix_socket_address *out);
/// Gives up the owner's hold. A lookup still running cannot be stopped (getaddrinfo has no
/// cancellation point it honours safely), so its thread finishes it and frees the memory;
/// otherwise it is freed here: whoever comes last frees. Never blocks.
void cposix_resolution_release(cposix_resolution *resolution);
/// Lookups whose memory is still held (running, or finished and not yet released): for tests
/// that check nothing leaks.
int64_t cposix_resolutions_outstanding(void);

/// `address` as text ("192.0.2.1", "2001:db8::1"), NUL-terminated; the length or -errno.
/// The corresponding C function is `inet_ntop`.
int cposix_format_address(const cposix_socket_address *address, char *buffer, size_t capacity);

#endif
