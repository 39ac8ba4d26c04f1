#define _GNU_SOURCE
#include "cposix_process.h"

#include <errno.h>
#include <fcntl.h>
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

// The self-pipe: each handler writes a byte, so an event loop polling the read end wakes for a
// signal whichever thread the kernel delivered it to (a poll on another thread sees no EINTR).
static int wake_pipe[2] = { -1, -1 };

static void record_signal(int number) {
    if (number == SIGHUP) {
        reload_requested = 1;
    } else {
        termination_signal = number;
    }
    // write is async-signal-safe; errno is saved because the interrupted code may be about to
    // read it. A full pipe (EAGAIN) already says "a signal arrived", so the byte is not needed.
    int saved = errno;
    if (wake_pipe[1] >= 0) {
        const char byte = 1;
        ssize_t written;
        do { written = write(wake_pipe[1], &byte, 1); } while (written < 0 && errno == EINTR);
    }
    errno = saved;
}

int cposix_install_signal_handlers(void) {
    // Made once, before any handler can run: a second install keeps the descriptor the loop
    // already polls.
    if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) return -errno;
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

int cposix_wake_descriptor(void) {
    return wake_pipe[0];
}

void cposix_drain_wake(void) {
    if (wake_pipe[0] < 0) return;
    char bytes[64];
    ssize_t count;
    do {
        count = read(wake_pipe[0], bytes, sizeof bytes);
    } while (count > 0 || (count < 0 && errno == EINTR));
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
