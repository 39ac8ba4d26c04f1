#ifndef CPOSIX_STAT_H
#define CPOSIX_STAT_H

#include <stdint.h>

/// The permission bits (and file type bits) of `path`, or -errno. The corresponding C function
/// is `stat`.
int64_t cposix_file_mode(const char *path);

#endif
