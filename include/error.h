/* error: the one error idiom. Fallible functions return 0 or a negative errno
 * and fill a struct bw_error whose message names the failing field, path or
 * syscall. Library code never prints or exits; only the CLI prints. */
#ifndef BULWARK_ERROR_H
#define BULWARK_ERROR_H

#include <stddef.h>

#define BW_ERROR_MAX 1024

struct bw_error
{
  int code;                 /* positive errno, 0 when no error */
  char msg[BW_ERROR_MAX];
};

/* Set the message and code; returns -errnum (EINVAL when errnum is 0). */
int bw_error_set (struct bw_error *err, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* As bw_error_set with the current errno, appending ": strerror(errno)". */
int bw_error_syscall (struct bw_error *err, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Prepend "<prefix>: " to the message; returns -err->code. */
int bw_error_prefix (struct bw_error *err, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

void bw_error_clear (struct bw_error *err);

/* Pass a failure up: `TRY (parse_x (...));` returns its negative errno. */
#define TRY(expr)                                                             \
  do                                                                          \
    {                                                                         \
      int _try_r = (expr);                                                    \
      if (_try_r < 0)                                                         \
        return _try_r;                                                        \
    }                                                                         \
  while (0)

#define ARRAY_LEN(a) (sizeof (a) / sizeof (a)[0])

/* Quote untrusted text for a message: in double quotes, printable ASCII as
 * is, the rest as \xNN, cut after `max_shown` characters with "..." so that
 * huge input cannot fill a log line. */
void bw_quote (const char *text, size_t max_shown, char *buf, size_t size);

#endif
