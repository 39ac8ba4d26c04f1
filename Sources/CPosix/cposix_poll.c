#include "cposix_poll.h"

#include <errno.h>
#include <poll.h>

int cposix_poll(cposix_poll_entry *entries, uint32_t count, int timeout_ms) {
    if (count > CPOSIX_POLL_CAPACITY) return -EINVAL;
    // Copied rather than cast so that the Swift side never depends on struct pollfd's layout.
    struct pollfd descriptors[CPOSIX_POLL_CAPACITY];
    for (uint32_t index = 0; index < count; index++) {
        descriptors[index].fd = entries[index].fd;
        descriptors[index].events = entries[index].for_writing ? POLLOUT : POLLIN;
        descriptors[index].revents = 0;
        entries[index].ready = 0;
    }
    int rc = poll(descriptors, count, timeout_ms < 0 ? -1 : timeout_ms);
    if (rc < 0) return errno == EINTR ? 0 : -errno;
    // A hang-up or error is readiness too: the owner learns what happened from its next read,
    // where a descriptor left unreported would spin the loop until its deadline.
    const short ready_events = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLNVAL;
    for (uint32_t index = 0; index < count; index++) {
        entries[index].ready = (descriptors[index].revents & ready_events) != 0;
    }
    return rc;
}
