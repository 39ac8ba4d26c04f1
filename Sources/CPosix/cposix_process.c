#define _GNU_SOURCE
#include "cposix_process.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

// Written by the handlers, read by the loop: sig_atomic_t is the only type a handler may store
// to portably; the exchanges below clear a flag without losing a signal that lands in between.
static volatile sig_atomic_t termination_signal = 0;
static volatile sig_atomic_t reload_requested = 0;

static void record_signal(int number) {
    if (number == SIGHUP) {
        reload_requested = 1;
    } else {
        termination_signal = number;
    }
}

int cposix_install_signal_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: nanosleep and poll return EINTR, so the loop sees the signal promptly.
    action.sa_flags = 0;
    const int numbers[] = { SIGTERM, SIGINT, SIGHUP };
    sigset_t wanted;
    sigemptyset(&wanted);
    for (size_t index = 0; index < sizeof numbers / sizeof numbers[0]; index++) {
        if (sigaction(numbers[index], &action, NULL) < 0) return -errno;
        sigaddset(&wanted, numbers[index]);
    }
    // A mask inherited from the parent (or set by a thread pool) would leave the handlers deaf.
    int rc = pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);
    return rc == 0 ? 0 : -rc;
}

int cposix_termination_signal(void) {
    return termination_signal;
}

int cposix_take_termination_signal(void) {
    return __atomic_exchange_n(&termination_signal, 0, __ATOMIC_SEQ_CST);
}

int cposix_reload_requested(void) {
    return reload_requested;
}

int cposix_take_reload_request(void) {
    return __atomic_exchange_n(&reload_requested, 0, __ATOMIC_SEQ_CST);
}

int cposix_sleep_milliseconds_until_signal(int64_t milliseconds) {
    if (milliseconds <= 0) return 0;
    struct timespec left = { .tv_sec = milliseconds / 1000, .tv_nsec = (milliseconds % 1000) * 1000000 };
    return nanosleep(&left, NULL) < 0 ? -errno : 0;
}

int64_t cposix_process_id(void) {
    return (int64_t)getpid();
}

void cposix_exit(int status) {
    exit(status);
}

int64_t cposix_send_datagram_unix(const char *path, const void *bytes, size_t length) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    size_t path_length = strlen(path);
    if (path_length == 0 || path_length > sizeof address.sun_path - (path[0] == '@' ? 0 : 1)) return -ENAMETOOLONG;
    memcpy(address.sun_path, path, path_length);
    // An abstract socket's name starts with a NUL byte and is exactly as long as given.
    if (path[0] == '@') address.sun_path[0] = '\0';
    socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length + (path[0] == '@' ? 0 : 1));

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ssize_t sent;
    do {
        sent = sendto(fd, bytes, length, MSG_NOSIGNAL, (const struct sockaddr *)&address, address_length);
    } while (sent < 0 && errno == EINTR);
    int result = sent < 0 ? -errno : 0;
    close(fd);
    return result < 0 ? result : (int64_t)sent;
}
