/* state_proc: whether a container's init still exists, from /proc/PID/stat:
 * a pid alone can be reused, pid + start time cannot. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"

/* The whole line is well below this: comm is at most 64 bytes (kernel
 * threads), and the 50-odd numeric fields fit in ~1 KiB. */
#define STAT_LINE_MAX 4096
/* 1-based number of the starttime field in /proc/PID/stat. */
#define STAT_FIELD_STARTTIME 22

/* The state letter (field 3) and start time (field 22) of pid. */
static int
read_pid_stat (pid_t pid, char *state, uint64_t *start_time, struct bw_error *err)
{
  if (pid <= 0)
    return bw_error_set (err, EINVAL, "invalid pid %d", (int) pid);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ESRCH)
        return bw_error_set (err, ESRCH, "process %d does not exist", (int) pid);
      return bw_error_syscall (err, "open %s", path);
    }
  char line[STAT_LINE_MAX];
  size_t used = 0;
  for (;;)
    {
      ssize_t n = read (fd, line + used, sizeof line - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          /* The process went away between open and read. */
          if (errno == ESRCH)
            return bw_error_set (err, ESRCH, "process %d does not exist", (int) pid);
          return bw_error_syscall (err, "read %s", path);
        }
      if (n == 0 || used + (size_t) n >= sizeof line - 1)
        {
          used += (size_t) n;
          break;
        }
      used += (size_t) n;
    }
  line[used] = '\0';

  /* comm (field 2) is in parentheses and may itself hold spaces and ')':
   * the fields after it start after the LAST ')'. */
  char *p = strrchr (line, ')');
  if (!p)
    return bw_error_set (err, EINVAL, "%s: unexpected format", path);
  p++;
  int field = 2;
  char *save = NULL;
  for (char *tok = strtok_r (p, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
    {
      field++;
      if (field == 3)
        {
          if (tok[0] == '\0' || tok[1] != '\0')
            break;
          *state = tok[0];
        }
      else if (field == STAT_FIELD_STARTTIME)
        {
          char *end;
          errno = 0;
          unsigned long long v = strtoull (tok, &end, 10);
          if (errno != 0 || *end != '\0' || tok[0] < '0' || tok[0] > '9')
            break;
          *start_time = v;
          return 0;
        }
    }
  return bw_error_set (err, EINVAL, "%s: unexpected format", path);
}

int
state_pid_start_time (pid_t pid, uint64_t *out, struct bw_error *err)
{
  char state = 0;
  *out = 0;
  return read_pid_stat (pid, &state, out, err);
}

enum container_status
state_current_status (const struct state_record *rec)
{
  if (rec->pid <= 0)
    return rec->status == STATUS_CREATING ? STATUS_CREATING : STATUS_STOPPED;

  char state = 0;
  uint64_t start_time = 0;
  if (read_pid_stat (rec->pid, &state, &start_time, NULL) < 0)
    return STATUS_STOPPED;
  /* Another process now has this pid. */
  if (start_time != rec->pid_start_time)
    return STATUS_STOPPED;
  /* Exited, not yet reaped (Z), or being torn down (X, x). */
  if (state == 'Z' || state == 'X' || state == 'x')
    return STATUS_STOPPED;
  return rec->status;
}
