/* log: where the CLI's messages go. Errors always reach stderr as one line
 * ("bulwark: <message>"); with --log they are also appended to that file, in
 * text or JSON lines ({"level","msg","time"}) as containerd and conmon parse
 * them. Only the CLI uses this module. */
#ifndef BULWARK_LOG_H
#define BULWARK_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARNING, LOG_LEVEL_ERROR };

struct bw_log
{
  FILE *file;                  /* --log FILE, NULL when not given */
  enum log_format format;
  bool debug;
};

/* Open `path` for appending (NULL: no log file). */
int log_open (struct bw_log *log, const char *path, enum log_format format, bool debug,
              struct bw_error *err);
void log_close (struct bw_log *log);

/* Write one message. Errors and warnings also go to stderr; debug lines only
 * with --debug. */
void log_msg (struct bw_log *log, enum log_level level, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Append an already-formed JSON object as one line to the log file (the
 * posture decisions at create); no-op without --log. */
void log_json_line (struct bw_log *log, const char *json);

/* Format `now` as RFC 3339 with nanoseconds in UTC, into buf (>= 40 bytes). */
void log_timestamp (char *buf, size_t len);

#endif
