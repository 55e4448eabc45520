/* probe: checks from inside a test container that busybox cannot do. Built
 * static; one subcommand per check, output on stdout, one fact per line.
 *
 *   probe fds               every open fd: "N -> target" (the listing fd excluded)
 *   probe cwd               readlink /proc/self/cwd
 *   probe sched             "policy=N nice=N priority=N flags=0xN"
 *   probe ioprio            "class=N priority=N"
 *   probe personality       "0xN" (personality(0xffffffff))
 *   probe affinity          the allowed CPUs, as "0-3,7"
 *   probe dumpable          prctl(PR_GET_DUMPABLE)
 *   probe write PATH        open O_WRONLY (no create): "writable" (exit 0) or "error: ..." (exit 1)
 *   probe exe-write PID     /proc/PID/exe ("self" allowed): direct O_WRONLY open, then an
 *                           O_PATH open reopened O_WRONLY through /proc/self/fd;
 *                           exit 0 only when neither gave a writable fd
 *   probe sleep-exe PID SEC hold an O_PATH fd of /proc/PID/exe, sleep, then try to reopen it
 *                           O_WRONLY (the CVE-2019-5736 pattern): exit 0 when refused
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sched_attr_v0
{
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static int
cmd_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  if (!d)
    {
      perror ("opendir /proc/self/fd");
      return 1;
    }
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || atoi (de->d_name) == dirfd (d))
        continue;
      char path[300], target[4096];
      snprintf (path, sizeof path, "/proc/self/fd/%s", de->d_name);
      ssize_t n = readlink (path, target, sizeof target - 1);
      target[n > 0 ? n : 0] = '\0';
      printf ("%s -> %s\n", de->d_name, target);
    }
  closedir (d);
  return 0;
}

static int
cmd_readlink (const char *path)
{
  char target[4096];
  ssize_t n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    {
      printf ("error: %s\n", strerror (errno));
      return 1;
    }
  target[n] = '\0';
  printf ("%s\n", target);
  return 0;
}

static int
cmd_sched (void)
{
  struct sched_attr_v0 a = { 0 };
  if (syscall (SYS_sched_getattr, 0, &a, sizeof a, 0) < 0)
    {
      printf ("error: %s\n", strerror (errno));
      return 1;
    }
  printf ("policy=%u nice=%d priority=%u flags=0x%llx\n", a.sched_policy, a.sched_nice,
          a.sched_priority, (unsigned long long) a.sched_flags);
  return 0;
}

static int
cmd_ioprio (void)
{
  long v = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  if (v < 0)
    {
      printf ("error: %s\n", strerror (errno));
      return 1;
    }
  printf ("class=%ld priority=%ld\n", v >> 13, v & 0xff);
  return 0;
}

static int
cmd_affinity (void)
{
  cpu_set_t set;
  if (sched_getaffinity (0, sizeof set, &set) < 0)
    {
      printf ("error: %s\n", strerror (errno));
      return 1;
    }
  const char *sep = "";
  for (int c = 0; c < CPU_SETSIZE; c++)
    {
      if (!CPU_ISSET (c, &set))
        continue;
      int last = c;
      while (last + 1 < CPU_SETSIZE && CPU_ISSET (last + 1, &set))
        last++;
      if (last > c)
        printf ("%s%d-%d", sep, c, last);
      else
        printf ("%s%d", sep, c);
      sep = ",";
      c = last;
    }
  printf ("\n");
  return 0;
}

static int
cmd_write (const char *path)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      printf ("error: %s\n", strerror (errno));
      return 1;
    }
  close (fd);
  printf ("writable\n");
  return 0;
}

static void
exe_path (const char *pid, char *buf, size_t size)
{
  snprintf (buf, size, "/proc/%s/exe", pid);
}

/* Reopen an O_PATH fd for writing through /proc/self/fd. */
static int
reopen_write (int opath)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fd/%d", opath);
  return open (path, O_WRONLY | O_CLOEXEC);
}

static int
cmd_exe_write (const char *pid)
{
  char path[64];
  exe_path (pid, path, sizeof path);
  int bad = 0;
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      printf ("direct: writable\n");
      bad = 1;
      close (fd);
    }
  else
    printf ("direct: %s\n", strerror (errno));
  int opath = open (path, O_PATH | O_CLOEXEC);
  if (opath < 0)
    printf ("opath: %s\n", strerror (errno));
  else
    {
      fd = reopen_write (opath);
      if (fd >= 0)
        {
          printf ("reopen: writable\n");
          bad = 1;
          close (fd);
        }
      else
        printf ("reopen: %s\n", strerror (errno));
      close (opath);
    }
  return bad;
}

static int
cmd_sleep_exe (const char *pid, const char *secs)
{
  char path[64];
  exe_path (pid, path, sizeof path);
  int opath = open (path, O_PATH | O_CLOEXEC);
  if (opath < 0)
    {
      printf ("opath: %s\n", strerror (errno));
      return 0;
    }
  printf ("opath: held\n");
  fflush (stdout);
  sleep ((unsigned) atoi (secs));
  int fd = reopen_write (opath);
  if (fd >= 0)
    {
      printf ("reopen: writable\n");
      return 1;
    }
  printf ("reopen: %s\n", strerror (errno));
  return 0;
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";
  if (strcmp (cmd, "fds") == 0)
    return cmd_fds ();
  if (strcmp (cmd, "cwd") == 0)
    return cmd_readlink ("/proc/self/cwd");
  if (strcmp (cmd, "sched") == 0)
    return cmd_sched ();
  if (strcmp (cmd, "ioprio") == 0)
    return cmd_ioprio ();
  if (strcmp (cmd, "personality") == 0)
    {
      printf ("0x%x\n", (unsigned) personality (0xffffffff));
      return 0;
    }
  if (strcmp (cmd, "affinity") == 0)
    return cmd_affinity ();
  if (strcmp (cmd, "dumpable") == 0)
    {
      printf ("%d\n", prctl (PR_GET_DUMPABLE, 0, 0, 0, 0));
      return 0;
    }
  if (strcmp (cmd, "write") == 0 && argc > 2)
    return cmd_write (argv[2]);
  if (strcmp (cmd, "exe-write") == 0 && argc > 2)
    return cmd_exe_write (argv[2]);
  if (strcmp (cmd, "sleep-exe") == 0 && argc > 3)
    return cmd_sleep_exe (argv[2], argv[3]);
  fprintf (stderr, "usage: probe fds|cwd|sched|ioprio|personality|affinity|dumpable|"
                   "write PATH|exe-write PID|sleep-exe PID SECS\n");
  return 2;
}
