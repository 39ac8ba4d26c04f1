// LD_PRELOAD heap-call counter for the benchmark.
//
//   gcc -O2 -shared -fPIC -o malloc_counter.so malloc_counter.c
//   MALLOC_COUNTER_OUT=counts.txt LD_PRELOAD=./malloc_counter.so some-program
//
// Counts every malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc
// and pvalloc call the process makes (through the glibc allocator's own entry points, so no
// dlsym bootstrap is needed), and writes the totals to $MALLOC_COUNTER_OUT when the process
// exits. A program that knows about the counter can also mark phase boundaries: it declares
//   extern void malloc_counter_snapshot(const char *label) __attribute__((weak));
// and calls it when non-null; each call appends one line of totals, under that label, to the
// same file. Without the preload the weak symbol is null and the program runs as usual.
//
// Output lines: "<label> allocs=<n> frees=<n> bytes=<n> malloc=<n> calloc=<n> realloc=<n>
// aligned=<n> hwm_kib=<n>"; the exit line's label is "exit". `allocs` is every call that returns
// new or moved memory (malloc + calloc + realloc + the aligned family); `hwm_kib` is the process's
// peak resident set so far (VmHWM), which, unlike a parent's rusage, does not inherit the
// parent's size across fork and exec.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

static unsigned long long malloc_calls, calloc_calls, realloc_calls, aligned_calls, free_calls;
static unsigned long long bytes_requested;

#define COUNT(counter) __atomic_add_fetch(&(counter), 1, __ATOMIC_RELAXED)
#define ADD_BYTES(n) __atomic_add_fetch(&bytes_requested, (unsigned long long)(n), __ATOMIC_RELAXED)

void *malloc(size_t size) {
    COUNT(malloc_calls);
    ADD_BYTES(size);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    COUNT(calloc_calls);
    ADD_BYTES(count * size);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    COUNT(realloc_calls);
    ADD_BYTES(size);
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer != NULL) COUNT(free_calls);
    __libc_free(pointer);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    COUNT(aligned_calls);
    ADD_BYTES(size);
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return 22; // EINVAL
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return 12; // ENOMEM
    *result = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    COUNT(aligned_calls);
    ADD_BYTES(size);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    COUNT(aligned_calls);
    ADD_BYTES(size);
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    COUNT(aligned_calls);
    ADD_BYTES(size);
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    COUNT(aligned_calls);
    ADD_BYTES(size);
    return __libc_memalign(page, (size + page - 1) / page * page);
}

// VmHWM from /proc/self/status, in KiB; 0 if unavailable.
static unsigned long long peak_rss_kib(void) {
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t length = read(fd, status, sizeof status - 1);
    close(fd);
    if (length <= 0) return 0;
    status[length] = 0;
    const char *line = strstr(status, "VmHWM:");
    return line != NULL ? strtoull(line + 6, NULL, 10) : 0;
}

// Formatting and writing go through a stack buffer and write(2): no heap use of its own.
static void append_line(const char *label) {
    const char *path = getenv("MALLOC_COUNTER_OUT");
    if (path == NULL || *path == 0) return;
    char line[512];
    unsigned long long m = __atomic_load_n(&malloc_calls, __ATOMIC_RELAXED);
    unsigned long long c = __atomic_load_n(&calloc_calls, __ATOMIC_RELAXED);
    unsigned long long r = __atomic_load_n(&realloc_calls, __ATOMIC_RELAXED);
    unsigned long long a = __atomic_load_n(&aligned_calls, __ATOMIC_RELAXED);
    int length = snprintf(line, sizeof line,
                          "%s allocs=%llu frees=%llu bytes=%llu malloc=%llu calloc=%llu realloc=%llu aligned=%llu hwm_kib=%llu\n",
                          label, m + c + r + a, __atomic_load_n(&free_calls, __ATOMIC_RELAXED),
                          __atomic_load_n(&bytes_requested, __ATOMIC_RELAXED), m, c, r, a, peak_rss_kib());
    if (length <= 0) return;
    if ((size_t)length > sizeof line) length = sizeof line;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, line, (size_t)length);
    (void)ignored;
    close(fd);
}

void malloc_counter_snapshot(const char *label) {
    append_line(label != NULL ? label : "snapshot");
}

__attribute__((destructor)) static void malloc_counter_at_exit(void) {
    append_line("exit");
}
