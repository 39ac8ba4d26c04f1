#define _GNU_SOURCE
#include "cgpiod.h"

#include <gpiod.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// The v1 header defines bulk-line macros that v2 dropped (sensor-facts.md §7.3).
#ifdef GPIOD_LINE_BULK_MAX_LINES
#define CGPIOD_V1 1
#endif

// libgpiod reports failures through errno; a failure that left it unset is still a failure.
static int failure(void) { return errno > 0 ? -errno : -EIO; }

static int copy_text(const char *text, char *out, size_t capacity) {
    if (capacity == 0) return 0;
    size_t length = text == NULL ? 0 : strlen(text);
    if (length >= capacity) length = capacity - 1;
    if (length > 0) memcpy(out, text, length);
    out[length] = '\0';
    return (int)length;
}

static int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

#ifdef CGPIOD_V1

struct cgpiod_line {
    // v1 lines belong to their chip handle, so the chip stays open while the line is held.
    struct gpiod_chip *chip;
    struct gpiod_line *line;
};

const char *cgpiod_library_version(void) { return gpiod_version_string(); }

int cgpiod_chip_info(const char *chip_path, char *label, size_t capacity, unsigned int *line_count) {
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL) return failure();
    int length = copy_text(gpiod_chip_label(chip), label, capacity);
    *line_count = gpiod_chip_num_lines(chip);
    gpiod_chip_close(chip);
    return length;
}

int cgpiod_chip_find_line(const char *chip_path, const char *name) {
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL) return failure();
    errno = 0;
    struct gpiod_line *line = gpiod_chip_find_line(chip, name);
    int result = line != NULL ? (int)gpiod_line_offset(line) : (errno > 0 ? -errno : -ENOENT);
    gpiod_chip_close(chip);
    return result;
}

static int open_line(const char *chip_path, unsigned int offset, struct cgpiod_line **out) {
    struct cgpiod_line *handle = calloc(1, sizeof *handle);
    if (handle == NULL) return -ENOMEM;
    handle->chip = gpiod_chip_open(chip_path);
    if (handle->chip == NULL) {
        int error = failure();
        free(handle);
        return error;
    }
    handle->line = gpiod_chip_get_line(handle->chip, offset);
    if (handle->line == NULL) {
        int error = failure();
        gpiod_chip_close(handle->chip);
        free(handle);
        return error;
    }
    *out = handle;
    return 0;
}

static int finish_request(struct cgpiod_line *handle, int result, cgpiod_line **line) {
    if (result < 0) {
        int error = failure();
        gpiod_chip_close(handle->chip);
        free(handle);
        return error;
    }
    *line = handle;
    return 0;
}

int cgpiod_request_output(const char *chip_path, unsigned int offset, const char *consumer, int value, cgpiod_line **line) {
    struct cgpiod_line *handle;
    int opened = open_line(chip_path, offset, &handle);
    if (opened < 0) return opened;
    return finish_request(handle, gpiod_line_request_output(handle->line, consumer, value != 0), line);
}

int cgpiod_request_events(const char *chip_path, unsigned int offset, const char *consumer, int both_edges, cgpiod_line **line) {
    struct cgpiod_line *handle;
    int opened = open_line(chip_path, offset, &handle);
    if (opened < 0) return opened;
    int result = both_edges
        ? gpiod_line_request_both_edges_events(handle->line, consumer)
        : gpiod_line_request_rising_edge_events(handle->line, consumer);
    return finish_request(handle, result, line);
}

int cgpiod_set_value(cgpiod_line *line, int value) {
    return gpiod_line_set_value(line->line, value != 0) < 0 ? failure() : 0;
}

int cgpiod_wait_event(cgpiod_line *line, int64_t timeout_ns) {
    int64_t deadline = monotonic_ns() + (timeout_ns > 0 ? timeout_ns : 0);
    for (;;) {
        int64_t remaining = deadline - monotonic_ns();
        if (remaining < 0) remaining = 0;
        struct timespec timeout = { .tv_sec = remaining / 1000000000, .tv_nsec = remaining % 1000000000 };
        int result = gpiod_line_event_wait(line->line, &timeout);
        if (result >= 0) return result;
        if (errno != EINTR) return failure();
    }
}

int cgpiod_read_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising) {
    struct gpiod_line_event event;
    int result;
    do { result = gpiod_line_event_read(line->line, &event); } while (result < 0 && errno == EINTR);
    if (result < 0) return failure();
    *timestamp_ns = (int64_t)event.ts.tv_sec * 1000000000 + event.ts.tv_nsec;
    *rising = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    return 0;
}

int cgpiod_event_descriptor(cgpiod_line *line) {
    int fd = gpiod_line_event_get_fd(line->line);
    return fd < 0 ? failure() : fd;
}

int cgpiod_read_pending_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising) {
    int ready = cgpiod_wait_event(line, 0);
    if (ready <= 0) return ready;
    int read = cgpiod_read_event(line, timestamp_ns, rising);
    return read < 0 ? read : 1;
}

void cgpiod_release(cgpiod_line *line) {
    if (line == NULL) return;
    gpiod_line_release(line->line);
    gpiod_chip_close(line->chip);
    free(line);
}

#else // libgpiod v2

// Events are read from the kernel in batches and handed out one at a time.
enum { CGPIOD_EVENT_BATCH = 64 };

struct cgpiod_line {
    struct gpiod_line_request *request;
    unsigned int offset;
    struct gpiod_edge_event_buffer *events;
    int count;
    int next;
};

const char *cgpiod_library_version(void) { return gpiod_api_version(); }

int cgpiod_chip_info(const char *chip_path, char *label, size_t capacity, unsigned int *line_count) {
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL) return failure();
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    if (info == NULL) {
        int error = failure();
        gpiod_chip_close(chip);
        return error;
    }
    int length = copy_text(gpiod_chip_info_get_label(info), label, capacity);
    *line_count = (unsigned int)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    gpiod_chip_close(chip);
    return length;
}

int cgpiod_chip_find_line(const char *chip_path, const char *name) {
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL) return failure();
    int offset = gpiod_chip_get_line_offset_from_name(chip, name);
    int result = offset >= 0 ? offset : failure();
    gpiod_chip_close(chip);
    return result;
}

// One line, configured by `settings`, requested for `consumer`; the chip may close once the
// request exists.
static int request_line(const char *chip_path, unsigned int offset, const char *consumer,
                        struct gpiod_line_settings *settings, size_t event_buffer,
                        struct gpiod_line_request **out) {
    int error = 0;
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    struct gpiod_line_config *line_config = gpiod_line_config_new();
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    if (chip == NULL || line_config == NULL || request_config == NULL) {
        error = failure();
    } else if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) < 0) {
        error = failure();
    } else {
        gpiod_request_config_set_consumer(request_config, consumer);
        if (event_buffer > 0) gpiod_request_config_set_event_buffer_size(request_config, event_buffer);
        *out = gpiod_chip_request_lines(chip, request_config, line_config);
        if (*out == NULL) error = failure();
    }
    gpiod_request_config_free(request_config);
    gpiod_line_config_free(line_config);
    if (chip != NULL) gpiod_chip_close(chip);
    return error;
}

int cgpiod_request_output(const char *chip_path, unsigned int offset, const char *consumer, int value, cgpiod_line **line) {
    struct cgpiod_line *handle = calloc(1, sizeof *handle);
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    int error = 0;
    if (handle == NULL || settings == NULL) {
        error = -ENOMEM;
    } else {
        gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
        gpiod_line_settings_set_output_value(settings, value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
        error = request_line(chip_path, offset, consumer, settings, 0, &handle->request);
    }
    gpiod_line_settings_free(settings);
    if (error < 0) {
        free(handle);
        return error;
    }
    handle->offset = offset;
    *line = handle;
    return 0;
}

int cgpiod_request_events(const char *chip_path, unsigned int offset, const char *consumer, int both_edges, cgpiod_line **line) {
    struct cgpiod_line *handle = calloc(1, sizeof *handle);
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_edge_event_buffer *events = gpiod_edge_event_buffer_new(CGPIOD_EVENT_BATCH);
    int error = 0;
    if (handle == NULL || settings == NULL || events == NULL) {
        error = -ENOMEM;
    } else {
        gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
        gpiod_line_settings_set_edge_detection(settings, both_edges ? GPIOD_LINE_EDGE_BOTH : GPIOD_LINE_EDGE_RISING);
        gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
        // A DHT frame is 83–84 edges in about 5 ms: the whole frame queues in the kernel.
        error = request_line(chip_path, offset, consumer, settings, 256, &handle->request);
    }
    gpiod_line_settings_free(settings);
    if (error < 0) {
        gpiod_edge_event_buffer_free(events);
        free(handle);
        return error;
    }
    handle->offset = offset;
    handle->events = events;
    *line = handle;
    return 0;
}

int cgpiod_set_value(cgpiod_line *line, int value) {
    enum gpiod_line_value level = value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_value(line->request, line->offset, level) < 0 ? failure() : 0;
}

int cgpiod_wait_event(cgpiod_line *line, int64_t timeout_ns) {
    if (line->next < line->count) return 1;
    int64_t deadline = monotonic_ns() + (timeout_ns > 0 ? timeout_ns : 0);
    for (;;) {
        int64_t remaining = deadline - monotonic_ns();
        int result = gpiod_line_request_wait_edge_events(line->request, remaining > 0 ? remaining : 0);
        if (result >= 0) return result;
        if (errno != EINTR) return failure();
    }
}

int cgpiod_read_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising) {
    if (line->next >= line->count) {
        int count;
        do {
            count = gpiod_line_request_read_edge_events(line->request, line->events, CGPIOD_EVENT_BATCH);
        } while (count < 0 && errno == EINTR);
        if (count < 0) return failure();
        if (count == 0) return -EAGAIN;
        line->count = count;
        line->next = 0;
    }
    struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(line->events, (unsigned long)line->next);
    line->next += 1;
    *timestamp_ns = (int64_t)gpiod_edge_event_get_timestamp_ns(event);
    *rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
    return 0;
}

int cgpiod_event_descriptor(cgpiod_line *line) {
    int fd = gpiod_line_request_get_fd(line->request);
    return fd < 0 ? failure() : fd;
}

int cgpiod_read_pending_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising) {
    // cgpiod_wait_event answers 1 at once while the batch holds unread edges.
    int ready = cgpiod_wait_event(line, 0);
    if (ready <= 0) return ready;
    int read = cgpiod_read_event(line, timestamp_ns, rising);
    if (read == -EAGAIN) return 0;
    return read < 0 ? read : 1;
}

void cgpiod_release(cgpiod_line *line) {
    if (line == NULL) return;
    gpiod_line_request_release(line->request);
    if (line->events != NULL) gpiod_edge_event_buffer_free(line->events);
    free(line);
}

#endif
