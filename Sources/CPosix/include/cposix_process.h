#ifndef CPOSIX_PROCESS_H
#define CPOSIX_PROCESS_H

// The process's dealings with its supervisor: termination and reload signals, a sleep that a
// signal cuts short, the process id, and systemd's notify datagram. Same rules as cposix.h:
// >= 0 or -errno, EINTR retried (except where waking on a signal is the point), no variadics.

#include <stddef.h>
#include <stdint.h>

/// Installs handlers for SIGTERM, SIGINT and SIGHUP that only record the signal and write a
/// byte to a self-pipe (made here, once, with `pipe2`). SA_RESTART
/// is off, so a signal wakes a sleep instead of resuming it; the three are unblocked in the
/// calling thread. The corresponding C functions are `sigaction` and `pthread_sigmask`.
int cposix_install_signal_handlers(void);
/// The read end of the handlers' self-pipe (non-blocking, close-on-exec): readable once a
/// signal arrived since the last `cposix_drain_wake`; -1 before the handlers are installed.
int cposix_wake_descriptor(void);
/// Reads the self-pipe empty. The corresponding C function is `read`.
void cposix_drain_wake(void);
/// The termination signal received (SIGTERM or SIGINT), or 0; left set.
int cposix_termination_signal(void);
/// The termination signal received, or 0, and clears it.
int cposix_take_termination_signal(void);
/// 1 when SIGHUP arrived since the last call, and clears it.
int cposix_reload_requested(void);
int cposix_take_reload_request(void);
/// Sleeps `milliseconds` unless a signal arrives first: 0 after the full sleep, -EINTR when a
/// signal cut it short. The corresponding C function is `nanosleep`.
int cposix_sleep_milliseconds_until_signal(int64_t milliseconds);
/// The corresponding C function is `getpid`.
int64_t cposix_process_id(void);
/// Ends the process at once with `status`. The corresponding C function is `exit`.
void cposix_exit(int status) __attribute__((noreturn));
/// Sends `length` bytes as one datagram to the AF_UNIX socket `path` (a leading '@' names an
/// abstract socket), from a socket opened and closed for the purpose; the bytes sent or -errno
/// (-ENAMETOOLONG when `path` does not fit a socket address). The corresponding C function is
/// `sendto`.
int64_t cposix_send_datagram_unix(const char *path, const void *bytes, size_t length);

#endif
