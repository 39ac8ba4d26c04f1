#include "cposix_stat.h"

#include <errno.h>
#include <sys/stat.h>

int64_t cposix_file_mode(const char *path) {
    struct stat status;
    if (stat(path, &status) < 0) return -errno;
    return (int64_t)status.st_mode;
}
