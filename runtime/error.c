#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static int
set_va (struct bw_error *err, int errnum, const char *fmt, va_list ap)
{
  if (errnum <= 0)
    errnum = EINVAL;
  if (err)
    {
      err->code = errnum;
      vsnprintf (err->msg, sizeof err->msg, fmt, ap);
    }
  return -errnum;
}

int
bw_error_set (struct bw_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int ret = set_va (err, errnum, fmt, ap);
  va_end (ap);
  return ret;
}

int
bw_error_syscall (struct bw_error *err, const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;
  va_start (ap, fmt);
  int ret = set_va (err, errnum, fmt, ap);
  va_end (ap);
  if (err)
    {
      size_t len = strlen (err->msg);
      snprintf (err->msg + len, sizeof err->msg - len, ": %s", strerror (-ret));
    }
  return ret;
}

int
bw_error_prefix (struct bw_error *err, const char *fmt, ...)
{
  if (!err)
    return -EINVAL;
  char out[BW_ERROR_MAX];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (out, sizeof out - 2, fmt, ap);
  va_end (ap);
  size_t used = n < 0 ? 0 : strnlen (out, sizeof out - 3);
  out[used++] = ':';
  out[used++] = ' ';
  size_t tail = strnlen (err->msg, sizeof out - used - 1);
  memcpy (out + used, err->msg, tail);
  out[used + tail] = '\0';
  memcpy (err->msg, out, used + tail + 1);
  if (err->code <= 0)
    err->code = EINVAL;
  return -err->code;
}

void
bw_error_clear (struct bw_error *err)
{
  if (err)
    {
      err->code = 0;
      err->msg[0] = '\0';
    }
}

void
bw_quote (const char *text, size_t max_shown, char *buf, size_t size)
{
  size_t out = 0, shown = 0;
  const unsigned char *p = (const unsigned char *) text;
  if (size == 0)
    return;
#define PUT(ch) do { if (out + 1 < size) buf[out++] = (char) (ch); } while (0)
  PUT ('"');
  for (; *p && shown < max_shown; p++, shown++)
    {
      if (*p == '"' || *p == '\\')
        {
          PUT ('\\');
          PUT (*p);
        }
      else if (*p >= 0x20 && *p < 0x7f)
        PUT (*p);
      else
        {
          char hex[5];
          snprintf (hex, sizeof hex, "\\x%02x", *p);
          for (int i = 0; hex[i]; i++)
            PUT (hex[i]);
        }
    }
  PUT ('"');
  if (*p)
    for (int i = 0; i < 3; i++)
      PUT ('.');
#undef PUT
  buf[out] = '\0';
}
