/* signals: the name table and the parser for `kill`. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "signals.h"

struct signal_name
{
  const char *name;            /* without "SIG" */
  int signo;
};

/* From the libc macros, so the numbers are right on every architecture. The
 * first name of a number is the one signals_name prints. */
static const struct signal_name signal_names[] = {
  { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
  { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
  { "STKFLT", SIGSTKFLT },
#endif
  { "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
  { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL },
#ifdef SIGPWR
  { "PWR", SIGPWR },
#endif
  { "SYS", SIGSYS },
};

#define N_NAMES (sizeof signal_names / sizeof signal_names[0])


/* A decimal number with an optional leading '-', nothing else (no spaces,
 * no '+', no hex), as Go's strconv.Atoi takes it. 1: parsed, 0: not a
 * number, -1: a number out of int range. */
static int
parse_decimal (const char *s, long *out)
{
  const char *digits = s[0] == '-' ? s + 1 : s;
  if (digits[0] == '\0')
    return 0;
  for (const char *p = digits; *p; p++)
    if (*p < '0' || *p > '9')
      return 0;
  errno = 0;
  long v = strtol (s, NULL, 10);
  if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
    return -1;
  *out = v;
  return 1;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (upper case, no "SIG"). */
static int
parse_realtime (const char *name)
{
  int base, sign;
  if (strncmp (name, "RTMIN", 5) == 0)
    base = SIGNALS_RTMIN, sign = 1;
  else if (strncmp (name, "RTMAX", 5) == 0)
    base = SIGNALS_RTMAX, sign = -1;
  else
    return -1;
  const char *rest = name + 5;
  if (rest[0] == '\0')
    return base;
  if (rest[0] != (sign > 0 ? '+' : '-') || rest[1] == '\0' || strlen (rest + 1) > 2)
    return -1;
  long offset;
  if (parse_decimal (rest + 1, &offset) != 1 || offset < 0)
    return -1;
  int signo = base + sign * (int) offset;
  return signo >= SIGNALS_RTMIN && signo <= SIGNALS_RTMAX ? signo : -1;
}

int
signals_parse (const char *text, int *signo, struct bw_error *err)
{
  char q[160];
  if (text == NULL || text[0] == '\0')
    return bw_error_set (err, EINVAL, "signal is empty");

  long number;
  int numeric = parse_decimal (text, &number);
  if (numeric != 0)
    {
      if (numeric < 0 || number < 1 || number > SIGNALS_RTMAX)
        {
          bw_quote (text, 32, q, sizeof q);
          if (numeric < 0)
            return bw_error_set (err, EINVAL, "invalid signal number %s", q);
          return bw_error_set (err, EINVAL, "invalid signal number %ld", number);
        }
      *signo = (int) number;
      return 0;
    }

  char upper[32];
  size_t len = strlen (text);
  if (len < sizeof upper)
    {
      for (size_t i = 0; i <= len; i++)
        upper[i] = (text[i] >= 'a' && text[i] <= 'z') ? (char) (text[i] - 'a' + 'A') : text[i];
      const char *name = strncmp (upper, "SIG", 3) == 0 ? upper + 3 : upper;
      for (size_t i = 0; i < N_NAMES; i++)
        if (strcmp (signal_names[i].name, name) == 0)
          {
            *signo = signal_names[i].signo;
            return 0;
          }
      int rt = parse_realtime (name);
      if (rt > 0)
        {
          *signo = rt;
          return 0;
        }
    }
  bw_quote (text, 32, q, sizeof q);
  return bw_error_set (err, EINVAL, "unknown signal %s", q);
}

const char *
signals_name (int signo, char buf[SIGNALS_NAME_MAX])
{
  for (size_t i = 0; i < N_NAMES; i++)
    if (signal_names[i].signo == signo)
      {
        snprintf (buf, SIGNALS_NAME_MAX, "SIG%s", signal_names[i].name);
        return buf;
      }
  /* The name nearer to the number, as `kill -l` prints them. */
  if (signo >= SIGNALS_RTMIN && signo <= SIGNALS_RTMAX)
    {
      int from_min = signo - SIGNALS_RTMIN, from_max = SIGNALS_RTMAX - signo;
      if (from_min == 0)
        snprintf (buf, SIGNALS_NAME_MAX, "SIGRTMIN");
      else if (from_max == 0)
        snprintf (buf, SIGNALS_NAME_MAX, "SIGRTMAX");
      else if (from_min <= from_max)
        snprintf (buf, SIGNALS_NAME_MAX, "SIGRTMIN+%d", from_min);
      else
        snprintf (buf, SIGNALS_NAME_MAX, "SIGRTMAX-%d", from_max);
      return buf;
    }
  snprintf (buf, SIGNALS_NAME_MAX, "signal %d", signo);
  return buf;
}

int
signals_exit_code (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return 255;
}
