/* Unit tests of signal name parsing and naming. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "signals.h"
#include "unit.h"

static void
test_parse_ok (void)
{
  static const struct { const char *text; int signo; } cases[] = {
    { "KILL", SIGKILL }, { "SIGKILL", SIGKILL }, { "kill", SIGKILL }, { "sigkill", SIGKILL },
    { "SigTerm", SIGTERM }, { "9", 9 }, { "15", 15 }, { "1", 1 }, { "64", 64 },
    { "HUP", SIGHUP }, { "USR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 }, { "WINCH", SIGWINCH },
    { "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "IOT", SIGABRT }, { "POLL", SIGIO },
    { "SIGSYS", SIGSYS }, { "STOP", SIGSTOP }, { "CONT", SIGCONT },
    { "RTMIN", 34 }, { "SIGRTMIN", 34 }, { "RTMIN+3", 37 }, { "rtmin+30", 64 },
    { "SIGRTMAX", 64 }, { "SIGRTMAX-2", 62 }, { "RTMAX-30", 34 }, { "RTMIN+0", 34 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct bw_error err = { 0 };
      int signo = -1;
      char name[64];
      snprintf (name, sizeof name, "parse %s", cases[i].text);
      int ret = signals_parse (cases[i].text, &signo, &err);
      CHECK (ret == 0 && signo == cases[i].signo, name, "ret %d signo %d want %d: %s", ret, signo,
             cases[i].signo, err.msg);
    }
}

static void
test_parse_errors (void)
{
  static const struct { const char *text; const char *msg; } cases[] = {
    { "FOO", "unknown signal \"FOO\"" },
    { "SIGFOO", "unknown signal \"SIGFOO\"" },
    { "SIG", "unknown signal \"SIG\"" },
    { "0", "invalid signal number 0" },
    { "65", "invalid signal number 65" },
    { "-9", "invalid signal number -9" },
    { "99999999999999999999", "invalid signal number \"99999999999999999999\"" },
    { " 9", "unknown signal \" 9\"" },
    { "+9", "unknown signal \"+9\"" },
    { "0x9", "unknown signal \"0x9\"" },
    { "9 ", "unknown signal \"9 \"" },
    { "RTMIN+31", "unknown signal \"RTMIN+31\"" },
    { "RTMAX+1", "unknown signal \"RTMAX+1\"" },
    { "RTMIN-1", "unknown signal \"RTMIN-1\"" },
    { "RTMIN+", "unknown signal \"RTMIN+\"" },
    { "RTMIN+-1", "unknown signal \"RTMIN+-1\"" },
    { "K\x1b[0mILL", "unknown signal \"K\\x1b[0mILL\"" },
    { "", "signal is empty" },
    { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "unknown signal \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"..." },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct bw_error err = { 0 };
      int signo = -1;
      char name[96];
      snprintf (name, sizeof name, "refuse signal #%zu", i);
      int ret = signals_parse (cases[i].text, &signo, &err);
      CHECK (ret == -EINVAL && signo == -1, name, "ret %d signo %d", ret, signo);
      CHECK_STREQ (err.msg, cases[i].msg, name);
    }
  struct bw_error err = { 0 };
  int signo;
  CHECK (signals_parse (NULL, &signo, &err) == -EINVAL, "refuse NULL", "accepted");
}

static void
test_names (void)
{
  char buf[SIGNALS_NAME_MAX];
  CHECK_STREQ (signals_name (SIGKILL, buf), "SIGKILL", "name of 9");
  CHECK_STREQ (signals_name (SIGABRT, buf), "SIGABRT", "name of SIGABRT (not IOT)");
  CHECK_STREQ (signals_name (SIGCHLD, buf), "SIGCHLD", "name of SIGCHLD (not CLD)");
  CHECK_STREQ (signals_name (SIGIO, buf), "SIGIO", "name of SIGIO (not POLL)");
  CHECK_STREQ (signals_name (34, buf), "SIGRTMIN", "name of 34");
  CHECK_STREQ (signals_name (37, buf), "SIGRTMIN+3", "name of 37");
  CHECK_STREQ (signals_name (49, buf), "SIGRTMIN+15", "name of 49");
  CHECK_STREQ (signals_name (50, buf), "SIGRTMAX-14", "name of 50");
  CHECK_STREQ (signals_name (64, buf), "SIGRTMAX", "name of 64");
  CHECK_STREQ (signals_name (32, buf), "signal 32", "name of 32");
  CHECK_STREQ (signals_name (0, buf), "signal 0", "name of 0");
  CHECK_STREQ (signals_name (-2147483647 - 1, buf), "signal -2147483648", "name of INT_MIN");

  /* Every number from 1 to 64 parses back from its name. */
  int bad = 0;
  for (int s = 1; s <= SIGNALS_RTMAX; s++)
    {
      int back = -1;
      signals_name (s, buf);
      if (strncmp (buf, "signal ", 7) == 0)
        continue;
      if (signals_parse (buf, &back, NULL) < 0 || back != s)
        bad++;
    }
  CHECK (bad == 0, "names parse back to their numbers", "%d mismatches", bad);
}

int
main (void)
{
  test_parse_ok ();
  test_parse_errors ();
  test_names ();
  return UNIT_EXIT ();
}
