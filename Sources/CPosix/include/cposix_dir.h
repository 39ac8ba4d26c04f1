#ifndef CPOSIX_DIR_H
#define CPOSIX_DIR_H

// Directory listing, for the kernel's sysfs trees (hwmon, IIO, thermal, 1-Wire) and /dev.
// Same rules as cposix.h: >= 0 or -errno, EINTR retried, no variadics.

#include <stddef.h>

/// An open directory stream. Opaque: only these functions touch it.
typedef struct cposix_directory cposix_directory;

/// Opens the directory `path` and stores its stream in `*directory`; 0 or -errno.
/// The corresponding C function is `opendir`.
int cposix_directory_open(const char *path, cposix_directory **directory);
/// Copies the next entry's name, NUL-terminated, into `name` (skipping "." and ".."), and
/// returns its length; 0 at the end, -ENAMETOOLONG when it does not fit in `capacity`, or
/// -errno. The corresponding C function is `readdir`.
int cposix_directory_next(cposix_directory *directory, char *name, size_t capacity);
/// The corresponding C function is `closedir`.
void cposix_directory_close(cposix_directory *directory);
/// Removes the empty directory `path`; 0 or -errno. The corresponding C function is `rmdir`.
int cposix_directory_remove(const char *path);

#endif
