/* signals: signal names <-> numbers, as `kill` accepts them (runc's rules:
 * a decimal number, or a name with or without "SIG" in any case) plus the
 * real-time forms "RTMIN+N" / "RTMAX-N"; and a wait status as an exit code.
 * Pure: no syscalls. */
#ifndef BULWARK_SIGNALS_H
#define BULWARK_SIGNALS_H

#include "error.h"

/* Real-time signals as container tools number them (docker, containerd,
 * runc's unix.SIGRTMIN): glibc and musl keep 32 and 33 (and musl 34) for
 * themselves, so RTMIN is 34 whatever this runtime's libc says. */
#define SIGNALS_RTMIN 34
#define SIGNALS_RTMAX 64

/* Enough for "SIGRTMIN+30" and "signal -2147483648". */
#define SIGNALS_NAME_MAX 24

/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-2" -> 9, 9, 9, 9, 37, 62.
 * Errors: `unknown signal "FOO"`, `invalid signal number 0` (numbers must be
 * 1 to SIGNALS_RTMAX). */
int signals_parse (const char *text, int *signo, struct bw_error *err);

/* "SIGKILL", "SIGRTMIN+3", "SIGRTMAX"; "signal N" for a number without a
 * name. Writes into buf and returns it. */
const char *signals_name (int signo, char buf[SIGNALS_NAME_MAX]);

/* A wait status as a shell gives it: the exit code, or 128 + N for a
 * process killed by signal N. */
int signals_exit_code (int wait_status);

#endif
