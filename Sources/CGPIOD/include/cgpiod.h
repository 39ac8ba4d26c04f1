#ifndef CGPIOD_H
#define CGPIOD_H

// libgpiod behind the few calls Kelvin makes. Only this file knows whether it is v1.6 (Debian 12,
// Raspberry Pi OS bookworm) or v2.x (Debian 13, trixie); the Swift side never sees the difference.
// Like CPosix: every int result is >= 0 or -errno, EINTR is retried, no variadics.

#include <stddef.h>
#include <stdint.h>

/// The libgpiod version text, e.g. "1.6.3". The corresponding C function is `gpiod_version_string`
/// (v1) or `gpiod_api_version` (v2).
const char *cgpiod_library_version(void);

/// Copies the label of the chip at `chip_path` ("pinctrl-bcm2711"), NUL-terminated, into
/// `label` and stores its line count in `*line_count`; returns the label's length (truncated to
/// fit) or -errno. The corresponding C functions are `gpiod_chip_open` and `gpiod_chip_label` /
/// `gpiod_chip_num_lines` (v1) or `gpiod_chip_get_info` (v2).
int cgpiod_chip_info(const char *chip_path, char *label, size_t capacity, unsigned int *line_count);

/// The offset of the line named `name` ("GPIO17") on the chip at `chip_path`, or -ENOENT when
/// the chip has no such line. The corresponding C function is `gpiod_chip_find_line` (v1) or
/// `gpiod_chip_get_line_offset_from_name` (v2).
int cgpiod_chip_find_line(const char *chip_path, const char *name);

/// A requested line: the line held for this process until `cgpiod_release`.
typedef struct cgpiod_line cgpiod_line;

/// Requests line `offset` of the chip at `chip_path` as an output driven to `value` (0 or 1),
/// labelled `consumer` (what `gpioinfo` shows); 0 or -errno (-EBUSY when another holder has it).
/// The corresponding C function is `gpiod_line_request_output` (v1) or `gpiod_chip_request_lines` (v2).
int cgpiod_request_output(const char *chip_path, unsigned int offset, const char *consumer, int value, cgpiod_line **line);

/// Requests line `offset` as an input reporting rising edges (`both_edges` = 0) or both
/// (`both_edges` = 1); 0 or -errno. v2 asks for a kernel buffer of 256 events and the monotonic
/// clock; v1's buffer is the kernel's fixed 16. The corresponding C function is
/// `gpiod_line_request_(rising|both)_edge(s)_events` (v1) or `gpiod_chip_request_lines` (v2).
int cgpiod_request_events(const char *chip_path, unsigned int offset, const char *consumer, int both_edges, cgpiod_line **line);

/// Drives an output line to `value` (0 or 1); 0 or -errno. The corresponding C function is
/// `gpiod_line_set_value` (v1) or `gpiod_line_request_set_value` (v2).
int cgpiod_set_value(cgpiod_line *line, int value);

/// Waits at most `timeout_ns` for an edge; 1 when one is ready, 0 on timeout, or -errno.
/// The corresponding C function is `gpiod_line_event_wait` (v1) or
/// `gpiod_line_request_wait_edge_events` (v2).
int cgpiod_wait_event(cgpiod_line *line, int64_t timeout_ns);

/// Reads the next edge (blocking until there is one): its timestamp in nanoseconds and
/// whether it rose (1) or fell (0); 0 or -errno. The corresponding C function is
/// `gpiod_line_event_read` (v1) or `gpiod_line_request_read_edge_events` (v2).
int cgpiod_read_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising);

/// The descriptor that becomes readable when an edge is pending, for an event loop's poll.
/// The corresponding C function is `gpiod_line_event_get_fd` (v1) or
/// `gpiod_line_request_get_fd` (v2).
int cgpiod_event_descriptor(cgpiod_line *line);

/// Reads one pending edge without blocking: 1 with its timestamp and direction, 0 when none is
/// pending, or -errno. Edges v2 read from the kernel in a batch are pending here though the
/// descriptor no longer shows them, so a caller reads until 0. The corresponding C functions are
/// `gpiod_line_event_wait` (zero timeout) and `gpiod_line_event_read` (v1), or
/// `gpiod_line_request_wait_edge_events` (zero timeout) and `gpiod_line_request_read_edge_events` (v2).
int cgpiod_read_pending_event(cgpiod_line *line, int64_t *timestamp_ns, int *rising);

/// Gives the line back and frees the handle. The corresponding C function is
/// `gpiod_line_release` and `gpiod_chip_close` (v1) or `gpiod_line_request_release` (v2).
void cgpiod_release(cgpiod_line *line);

#endif
