#define _GNU_SOURCE
#include "cposix_connect.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cposix_connect_start(const cposix_socket_address *address, int *in_progress) {
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    socklen_t length;
    if (address->family == 4) {
        struct sockaddr_in *ipv4 = (struct sockaddr_in *)&storage;
        ipv4->sin_family = AF_INET;
        ipv4->sin_port = htons(address->port);
        memcpy(&ipv4->sin_addr, address->address, 4);
        length = sizeof *ipv4;
    } else if (address->family == 6) {
        struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)&storage;
        ipv6->sin6_family = AF_INET6;
        ipv6->sin6_port = htons(address->port);
        ipv6->sin6_scope_id = address->scope_id;
        memcpy(&ipv6->sin6_addr, address->address, 16);
        length = sizeof *ipv6;
    } else {
        return -EAFNOSUPPORT;
    }
    int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
    if (fd < 0) return -errno;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    *in_progress = 0;
    if (connect(fd, (struct sockaddr *)&storage, length) < 0) {
        // EINTR on a non-blocking connect leaves it going on in the background, like EINPROGRESS.
        if (errno == EINPROGRESS || errno == EINTR) {
            *in_progress = 1;
        } else {
            int error = errno;
            close(fd);
            return -error;
        }
    }
    return fd;
}

int cposix_connect_result(int fd) {
    struct pollfd entry = { .fd = fd, .events = POLLOUT, .revents = 0 };
    int ready;
    do { ready = poll(&entry, 1, 0); } while (ready < 0 && errno == EINTR);
    if (ready < 0) return -errno;
    if (ready == 0) return -EINPROGRESS;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return -errno;
    return error == 0 ? 0 : -error;
}
