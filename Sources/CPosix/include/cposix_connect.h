#ifndef CPOSIX_CONNECT_H
#define CPOSIX_CONNECT_H

// A TCP connect in two steps that never block, for an event loop: start it, poll the socket for
// writing, then ask how it went. Same rules as cposix.h.

#include "cposix_resolve.h"

/// Opens a non-blocking, close-on-exec TCP socket with TCP_NODELAY and starts connecting it to
/// `address`. Returns the socket, with `*in_progress` 1 while the connection is still being made
/// (poll it for writing, then ask `cposix_connect_result`) and 0 when it is already made; or
/// -errno, the socket closed. The corresponding C functions are `socket`, `setsockopt` and
/// `connect`.
int cposix_connect_start(const cposix_socket_address *address, int *in_progress);
/// How the connection started on `fd` went: 0 once made, -EINPROGRESS while still being made,
/// or its -errno (-ECONNREFUSED, -ENETUNREACH, ...). The corresponding C functions are `poll`
/// (with no wait) and `getsockopt(SO_ERROR)`.
int cposix_connect_result(int fd);

#endif
