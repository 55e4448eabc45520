#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "log.h"

static const char *const level_names[] = { "debug", "info", "warning", "error" };

int
log_open (struct bw_log *log, const char *path, enum log_format format, bool debug,
          struct bw_error *err)
{
  log->file = NULL;
  log->format = format;
  log->debug = debug;
  if (!path || !*path)
    return 0;
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return bw_error_syscall (err, "open log file %s", path);
  log->file = fdopen (fd, "a");
  if (!log->file)
    {
      int ret = bw_error_syscall (err, "open log file %s", path);
      close (fd);
      return ret;
    }
  setvbuf (log->file, NULL, _IOLBF, 0);
  return 0;
}

void
log_close (struct bw_log *log)
{
  if (log->file)
    fclose (log->file);
  log->file = NULL;
}

void
log_timestamp (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  char base[32];
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* One JSON log line: {"level":..,"msg":..,"time":..}. */
static void
write_json (FILE *out, enum log_level level, const char *msg)
{
  char ts[64];
  const unsigned char *buf;
  size_t len;
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return;
  log_timestamp (ts, sizeof ts);
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "level", 5);
  yajl_gen_string (g, (const unsigned char *) level_names[level], strlen (level_names[level]));
  yajl_gen_string (g, (const unsigned char *) "msg", 3);
  yajl_gen_string (g, (const unsigned char *) msg, strlen (msg));
  yajl_gen_string (g, (const unsigned char *) "time", 4);
  yajl_gen_string (g, (const unsigned char *) ts, strlen (ts));
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    fprintf (out, "%.*s\n", (int) len, buf);
  yajl_gen_free (g);
}

static void
write_text (FILE *out, enum log_level level, const char *msg)
{
  char ts[64];
  log_timestamp (ts, sizeof ts);
  fprintf (out, "%s %s: %s\n", ts, level_names[level], msg);
}

void
log_msg (struct bw_log *log, enum log_level level, const char *fmt, ...)
{
  char msg[BW_ERROR_MAX + 256];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  /* Keep every message one line: clients read the log line by line. */
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';

  if (level == LOG_LEVEL_DEBUG && !log->debug)
    return;
  /* containerd's shim and conmon show the last error line of the JSON log
   * as the runtime's reason ("OCI runtime create failed: ..."): name
   * ourselves in it, as stderr does. */
  char named[sizeof msg + 16];
  snprintf (named, sizeof named, "bulwark: %s", msg);
  const char *json_msg = level == LOG_LEVEL_ERROR ? named : msg;
  if (log->file)
    {
      if (log->format == LOG_FORMAT_JSON)
        write_json (log->file, level, json_msg);
      else
        write_text (log->file, level, msg);
    }
  if (level >= LOG_LEVEL_WARNING || log->debug)
    {
      if (log->format == LOG_FORMAT_JSON && !log->file)
        write_json (stderr, level, json_msg);
      else if (level == LOG_LEVEL_ERROR)
        fprintf (stderr, "bulwark: %s\n", msg);
      else
        fprintf (stderr, "bulwark: %s: %s\n", level_names[level], msg);
    }
}

void
log_json_line (struct bw_log *log, const char *json)
{
  if (log->file)
    fprintf (log->file, "%s\n", json);
}
