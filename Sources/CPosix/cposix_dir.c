#define _GNU_SOURCE
#include "cposix_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// A wrapper rather than DIR itself, so Swift never sees glibc's type.
struct cposix_directory {
    DIR *stream;
};

int cposix_directory_open(const char *path, cposix_directory **directory) {
    DIR *stream;
    do { stream = opendir(path); } while (stream == NULL && errno == EINTR);
    if (stream == NULL) return -errno;
    cposix_directory *result = malloc(sizeof *result);
    if (result == NULL) {
        closedir(stream);
        return -ENOMEM;
    }
    result->stream = stream;
    *directory = result;
    return 0;
}

int cposix_directory_next(cposix_directory *directory, char *name, size_t capacity) {
    for (;;) {
        // readdir reports the end and an error alike with NULL; only errno tells them apart.
        errno = 0;
        struct dirent *entry = readdir(directory->stream);
        if (entry == NULL) {
            if (errno == EINTR) continue;
            return errno == 0 ? 0 : -errno;
        }
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        size_t length = strlen(entry->d_name);
        // 0 is how the end is reported; no real entry has an empty name.
        if (length == 0) continue;
        if (length + 1 > capacity) return -ENAMETOOLONG;
        memcpy(name, entry->d_name, length + 1);
        return (int)length;
    }
}

void cposix_directory_close(cposix_directory *directory) {
    if (directory == NULL) return;
    closedir(directory->stream);
    free(directory);
}

int cposix_directory_remove(const char *path) {
    return rmdir(path) == 0 ? 0 : -errno;
}
