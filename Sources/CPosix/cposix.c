#define _GNU_SOURCE
#include "cposix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

int cposix_open_read(const char *path) {
    int fd;
    do { fd = open(path, O_RDONLY | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int cposix_close(int fd) {
    // Retrying close on EINTR can close a descriptor another thread just received; Linux has
    // released it either way.
    return close(fd) < 0 && errno != EINTR ? -errno : 0;
}

int64_t cposix_read(int fd, void *buffer, size_t length) {
    ssize_t n;
    do { n = read(fd, buffer, length); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int64_t)n;
}

int64_t cposix_write(int fd, const void *buffer, size_t length) {
    ssize_t n;
    do { n = write(fd, buffer, length); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int64_t)n;
}

int64_t cposix_write_all(int fd, const void *buffer, size_t length) {
    const char *cursor = buffer;
    size_t left = length;
    while (left > 0) {
        ssize_t n = write(fd, cursor, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        cursor += n;
        left -= (size_t)n;
    }
    return (int64_t)length;
}

int cposix_open_write(const char *path, uint32_t mode) {
    int fd;
    do {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int cposix_open_directory(const char *path) {
    int fd;
    do { fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int cposix_fchmod(int fd, uint32_t mode) {
    int rc;
    do { rc = fchmod(fd, (mode_t)mode); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_fsync(int fd) {
    int rc;
    do { rc = fsync(fd); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_rename(const char *from, const char *to) {
    int rc;
    do { rc = rename(from, to); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_unlink(const char *path) {
    int rc;
    do { rc = unlink(path); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_mkdir(const char *path, uint32_t mode) {
    int rc;
    do { rc = mkdir(path, (mode_t)mode); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

static int64_t monotonic_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int wait_for(int fd, short events, int timeout_ms) {
    struct pollfd entry = { .fd = fd, .events = events, .revents = 0 };
    int64_t deadline = monotonic_now() + timeout_ms;
    for (;;) {
        int64_t left = deadline - monotonic_now();
        if (left < 0) left = 0;
        int rc = poll(&entry, 1, (int)left);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return -errno;
        return rc > 0 ? 1 : 0;
    }
}

int cposix_wait(int fd, int for_writing, int timeout_ms) {
    return wait_for(fd, for_writing ? POLLOUT : POLLIN, timeout_ms);
}

const char *cposix_resolution_error_text(int code) {
    return gai_strerror(code);
}

int64_t cposix_monotonic_milliseconds(void) {
    return monotonic_now();
}

int64_t cposix_wall_clock_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec;
}

int64_t cposix_wall_clock_milliseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t cposix_random_bytes(void *buffer, size_t length) {
    ssize_t result;
    do {
        result = getrandom(buffer, length, 0);
    } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : (int64_t)result;
}

int cposix_sleep_milliseconds(int64_t milliseconds) {
    struct timespec left = { .tv_sec = milliseconds / 1000, .tv_nsec = (milliseconds % 1000) * 1000000 };
    while (nanosleep(&left, &left) < 0) {
        if (errno != EINTR) return -errno;
    }
    return 0;
}

const char *cposix_error_text(int error_number) {
    return strerror(error_number);
}

const char *cposix_environment_value(const char *name) {
    return getenv(name);
}

int64_t cposix_environment_take(const char *name, void *buffer, size_t capacity) {
    char *value = getenv(name);
    if (value == NULL) return -ENOENT;
    size_t length = strlen(value);
    if (length <= capacity) memcpy(buffer, value, length);
    explicit_bzero(value, length);
    if (unsetenv(name) < 0) return -errno;
    return length <= capacity ? (int64_t)length : -ERANGE;
}

void cposix_wipe(void *buffer, size_t length) {
    if (buffer != NULL) explicit_bzero(buffer, length);
}

extern char **environ;

const char *cposix_environment_entry(size_t index) {
    for (size_t i = 0; i < index; i++) {
        if (environ[i] == NULL) return NULL;
    }
    return environ[index];
}

void cposix_ignore_broken_pipe(void) {
    signal(SIGPIPE, SIG_IGN);
}

