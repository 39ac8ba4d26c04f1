#define _GNU_SOURCE
#include "cposix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int cposix_open_inspected(const char *path, int follow_links, uint32_t *mode) {
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_links ? 0 : O_NOFOLLOW);
    int fd;
    do { fd = open(path, flags); } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    struct stat status;
    if (fstat(fd, &status) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    *mode = (uint32_t)status.st_mode;
    // O_NONBLOCK was for the open alone: a pseudo-file (sysfs, procfs) may honour it on read.
    if (S_ISREG(status.st_mode)) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int64_t cposix_descriptor_mode(int fd) {
    struct stat status;
    if (fstat(fd, &status) < 0) return -errno;
    return (int64_t)status.st_mode;
}

int cposix_link(const char *from, const char *to) {
    int rc;
    do { rc = link(from, to); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_lock_exclusive(int fd) {
    int rc;
    do { rc = flock(fd, LOCK_EX | LOCK_NB); } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int cposix_open_lock(const char *path) {
    int fd;
    do {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}
