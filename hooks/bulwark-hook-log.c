/* bulwark-hook-log: an OCI hook that records lifecycle events.
 *
 *   bulwark-hook-log LOGFILE [KIND]
 *
 * Reads the container state JSON from stdin (as the runtime-spec passes it to
 * every hook) and appends one JSON line to LOGFILE:
 *   {"time":"...","kind":"prestart","id":"...","status":"creating","pid":123,"bundle":"..."}
 * ("kind" only when given). The line goes out in a single write() on an
 * O_APPEND descriptor, so hooks of several containers can share one log
 * without locking. Exit status 0, or 1 with a message on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"

#define STATE_MAX (4 << 20)

static int
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("bulwark-hook-log: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  return 1;
}

/* All of stdin, NUL-terminated. */
static char *
read_stdin (size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc (cap);
  while (buf)
    {
      if (n + 1 == cap)
        {
          char *bigger = cap < STATE_MAX ? realloc (buf, cap * 2) : NULL;
          if (!bigger)
            break;
          buf = bigger;
          cap *= 2;
        }
      ssize_t r = read (STDIN_FILENO, buf + n, cap - 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      if (r == 0)
        {
          buf[n] = '\0';
          *len = n;
          return buf;
        }
      n += (size_t) r;
    }
  free (buf);
  return NULL;
}

static void
now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  size_t n = strftime (buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static void
gen_key (yajl_gen g, const char *key)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
}

static void
gen_str (yajl_gen g, const char *key, const char *value)
{
  gen_key (g, key);
  if (value)
    yajl_gen_string (g, (const unsigned char *) value, strlen (value));
  else
    yajl_gen_null (g);
}

/* Copy a field of the state, whatever its JSON type, null when absent. */
static void
gen_field (yajl_gen g, yajl_val state, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (state, path, yajl_t_any);
  gen_key (g, key);
  if (YAJL_IS_STRING (v))
    {
      const char *s = v->u.string;
      yajl_gen_string (g, (const unsigned char *) s, strlen (s));
    }
  else if (YAJL_IS_INTEGER (v))
    yajl_gen_integer (g, YAJL_GET_INTEGER (v));
  else
    yajl_gen_null (g);
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argc > 3)
    return die ("usage: bulwark-hook-log LOGFILE [KIND] (the state JSON on stdin)");

  size_t len = 0;
  _cleanup_free_ char *input = read_stdin (&len);
  if (!input)
    return die ("read the state from stdin: %s", errno ? strerror (errno) : "too large");
  char parse_error[256] = "";
  yajl_val state = yajl_tree_parse (input, parse_error, sizeof parse_error);
  if (!state || !YAJL_IS_OBJECT (state))
    {
      yajl_tree_free (state);
      parse_error[strcspn (parse_error, "\n")] = '\0';   /* yajl adds a picture */
      return die ("stdin: %s", parse_error[0] ? parse_error : "the state is not a JSON object");
    }

  char now[64];
  now_rfc3339 (now, sizeof now);
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    {
      yajl_tree_free (state);
      return die ("out of memory");
    }
  yajl_gen_map_open (g);
  gen_str (g, "time", now);
  if (argc == 3)
    gen_str (g, "kind", argv[2]);
  gen_field (g, state, "id");
  gen_field (g, state, "status");
  gen_field (g, state, "pid");
  gen_field (g, state, "bundle");
  yajl_gen_map_close (g);
  yajl_tree_free (state);

  const unsigned char *json;
  size_t json_len;
  _cleanup_free_ char *line = NULL;
  if (yajl_gen_get_buf (g, &json, &json_len) == yajl_gen_status_ok)
    line = malloc (json_len + 1);
  if (line)
    {
      memcpy (line, json, json_len);
      line[json_len] = '\n';
    }
  yajl_gen_free (g);
  if (!line)
    return die ("could not format the log line");

  _cleanup_close_ int fd = open (argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return die ("open %s: %s", argv[1], strerror (errno));
  ssize_t w = write (fd, line, json_len + 1);
  if (w != (ssize_t) json_len + 1)
    return die ("write %s: %s", argv[1], w < 0 ? strerror (errno) : "short write");
  return 0;
}
