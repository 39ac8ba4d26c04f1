// 64-bit offsets on armv7 too, so that pread, fstat and ftruncate agree with int64_t.
#define _FILE_OFFSET_BITS 64
#define _GNU_SOURCE
#include "cposix_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int cposix_open_append(const char *path, uint32_t mode) {
    int fd;
    do {
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

int64_t cposix_pread_all(int fd, void *buffer, size_t length, int64_t offset) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = pread(fd, (char *)buffer + done, length - done, (off_t)(offset + (int64_t)done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (n == 0) break;
        done += (size_t)n;
    }
    return (int64_t)done;
}

int64_t cposix_file_size(int fd) {
    struct stat status;
    if (fstat(fd, &status) < 0) return -errno;
    return (int64_t)status.st_size;
}

int cposix_ftruncate(int fd, int64_t size) {
    int result;
    do { result = ftruncate(fd, (off_t)size); } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : 0;
}
