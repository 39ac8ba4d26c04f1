#define _GNU_SOURCE
#include "cposix_resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

struct cposix_resolution {
    // Two holders: the owner until it releases, the lookup thread until it has reported. Each
    // drops its hold with one atomic decrement; the one that takes the count to zero frees, so
    // neither can touch freed memory and nothing is freed twice or never.
    atomic_int holders;
    // Set with release order by the lookup thread after it stored the results; read with
    // acquire order by the owner before it reads them.
    atomic_int finished;
    int event_fd;
    int gai_error;
    int count;
    struct addrinfo *addresses;
    char service[8];
    char host[256];
};

static atomic_llong outstanding;

static void destroy(struct cposix_resolution *resolution) {
    if (resolution->addresses != NULL) freeaddrinfo(resolution->addresses);
    close(resolution->event_fd);
    free(resolution);
    atomic_fetch_sub(&outstanding, 1);
}

static void drop_hold(struct cposix_resolution *resolution) {
    if (atomic_fetch_sub_explicit(&resolution->holders, 1, memory_order_acq_rel) == 1) destroy(resolution);
}

static void *run_lookup(void *argument) {
    struct cposix_resolution *resolution = argument;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    struct addrinfo *addresses = NULL;
    int rc = getaddrinfo(resolution->host, resolution->service, &hints, &addresses);
    resolution->gai_error = rc;
    resolution->addresses = rc == 0 ? addresses : NULL;
    int count = 0;
    for (struct addrinfo *entry = resolution->addresses; entry != NULL; entry = entry->ai_next) {
        if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) count++;
    }
    resolution->count = count;
    atomic_store_explicit(&resolution->finished, 1, memory_order_release);
    // The owner still holds the descriptor open here: it closes only in destroy(), which needs
    // this thread's hold dropped first.
    uint64_t one = 1;
    ssize_t written;
    do { written = write(resolution->event_fd, &one, sizeof one); } while (written < 0 && errno == EINTR);
    drop_hold(resolution);
    return NULL;
}

int cposix_resolution_start(const char *host, uint16_t port, cposix_resolution **out) {
    size_t length = strlen(host);
    if (length > 253) return -ENAMETOOLONG;
    struct cposix_resolution *resolution = calloc(1, sizeof *resolution);
    if (resolution == NULL) return -ENOMEM;
    memcpy(resolution->host, host, length + 1);
    snprintf(resolution->service, sizeof resolution->service, "%u", (unsigned)port);
    resolution->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (resolution->event_fd < 0) {
        int error = errno;
        free(resolution);
        return -error;
    }
    atomic_init(&resolution->holders, 2);
    atomic_init(&resolution->finished, 0);
    atomic_fetch_add(&outstanding, 1);

    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    // getaddrinfo needs little stack (glibc runs its own lookup threads on about 64 KiB); the
    // default 8 MiB reservation is address space a 32-bit board can miss.
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    // The thread inherits the creator's mask: with every signal blocked, SIGTERM, SIGINT and
    // SIGHUP always land on a thread that runs the loop, never on the lookup.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, run_lookup, resolution);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attributes);
    if (rc != 0) {
        close(resolution->event_fd);
        free(resolution);
        atomic_fetch_sub(&outstanding, 1);
        return -rc;
    }
    *out = resolution;
    return 0;
}

int cposix_resolution_descriptor(const cposix_resolution *resolution) {
    return resolution->event_fd;
}

int cposix_resolution_result(const cposix_resolution *resolution, int *gai_error) {
    if (!atomic_load_explicit(&((cposix_resolution *)resolution)->finished, memory_order_acquire)) return -EINPROGRESS;
    *gai_error = resolution->gai_error;
    return resolution->count;
}

int cposix_resolution_address(const cposix_resolution *resolution, int index, cposix_socket_address *out) {
    if (!atomic_load_explicit(&((cposix_resolution *)resolution)->finished, memory_order_acquire)) return -EINVAL;
    int position = 0;
    for (const struct addrinfo *entry = resolution->addresses; entry != NULL; entry = entry->ai_next) {
        if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
        if (position++ != index) continue;
        memset(out, 0, sizeof *out);
        if (entry->ai_family == AF_INET) {
            const struct sockaddr_in *address = (const struct sockaddr_in *)entry->ai_addr;
            out->family = 4;
            out->port = ntohs(address->sin_port);
            memcpy(out->address, &address->sin_addr, 4);
        } else {
            const struct sockaddr_in6 *address = (const struct sockaddr_in6 *)entry->ai_addr;
            out->family = 6;
            out->port = ntohs(address->sin6_port);
            out->scope_id = address->sin6_scope_id;
            memcpy(out->address, &address->sin6_addr, 16);
        }
        return 0;
    }
    return -EINVAL;
}

void cposix_resolution_release(cposix_resolution *resolution) {
    if (resolution != NULL) drop_hold(resolution);
}

int64_t cposix_resolutions_outstanding(void) {
    return atomic_load(&outstanding);
}

int cposix_format_address(const cposix_socket_address *address, char *buffer, size_t capacity) {
    int family = address->family == 6 ? AF_INET6 : AF_INET;
    if (inet_ntop(family, address->address, buffer, (socklen_t)capacity) == NULL) return -errno;
    return (int)strlen(buffer);
}
