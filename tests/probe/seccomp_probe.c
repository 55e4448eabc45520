/* seccomp_probe: make one system call named on the command line and print
 * what came back, so that tests can check a seccomp filter from inside a
 * container. Built static.
 *
 *   seccomp_probe [--catch-sigsys] [--int80] SYSCALL [ARG...]
 *
 * SYSCALL is a name from the table below or a number. An ARG that parses
 * as a number (0x.., 0.., decimal, or negative) is passed as that number,
 * "buf" as a pointer to a scratch buffer, anything else as a pointer to the
 * string. Prints "ok RET" or "err ERRNO", then exits 0. With
 * --catch-sigsys, a SIGSYS (SCMP_ACT_TRAP) prints "sigsys NR" and exits 0.
 * With --int80 (x86_64 only) the call goes through the 32-bit x86 ABI and
 * SYSCALL must be a number of that ABI. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct
{
  const char *name;
  long nr;
} table[] = {
  { "getpid", SYS_getpid },       { "getppid", SYS_getppid },   { "gettid", SYS_gettid },
  { "getuid", SYS_getuid },       { "getgid", SYS_getgid },     { "personality", SYS_personality },
  { "mkdirat", SYS_mkdirat },     { "unlinkat", SYS_unlinkat }, { "chdir", SYS_chdir },
  { "umask", SYS_umask },         { "kill", SYS_kill },         { "sched_yield", SYS_sched_yield },
  { "getcwd", SYS_getcwd },       { "socket", SYS_socket },     { "dup", SYS_dup },
  { "close", SYS_close },         { "uname", SYS_uname },       { "getpriority", SYS_getpriority },
  { "setpriority", SYS_setpriority }, { "prctl", SYS_prctl },   { "sethostname", SYS_sethostname },
  { "unshare", SYS_unshare },     { "sync", SYS_sync },         { "fchmodat", SYS_fchmodat },
  { "faccessat", SYS_faccessat }, { "getrandom", SYS_getrandom }, { "setuid", SYS_setuid },
#ifdef SYS_mkdir
  { "mkdir", SYS_mkdir },         { "rmdir", SYS_rmdir },       { "chmod", SYS_chmod },
  { "access", SYS_access },
#endif
};

static void
on_sigsys (int sig, siginfo_t *info, void *uctx)
{
  (void) sig;
  (void) uctx;
  char line[64];
  int n = snprintf (line, sizeof line, "sigsys %d\n", info->si_syscall);
  if (write (STDOUT_FILENO, line, (size_t) n) < 0)
    _exit (3);
  _exit (0);
}

static long
arg_value (const char *s, char *scratch)
{
  char *end;
  errno = 0;
  if (strcmp (s, "buf") == 0)
    return (long) scratch;
  long long v = strtoll (s, &end, 0);
  if (errno == ERANGE)
    v = (long long) strtoull (s, &end, 0);
  if (*s && !*end)
    return (long) v;
  return (long) s;
}

#ifdef __x86_64__
/* The i386 ABI through int $0x80: number in eax, args in ebx ecx edx esi edi. */
static long
syscall_int80 (long nr, const long *a)
{
  long ret;
  __asm__ volatile ("int $0x80"
                    : "=a"(ret)
                    : "0"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                    : "memory", "r8", "r9", "r10", "r11");
  return ret;
}
#endif

int
main (int argc, char **argv)
{
  static char scratch[4096];
  int i = 1;
  int int80 = 0;
  for (; i < argc && strncmp (argv[i], "--", 2) == 0; i++)
    {
      if (strcmp (argv[i], "--catch-sigsys") == 0)
        {
          struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
          sigaction (SIGSYS, &sa, NULL);
        }
      else if (strcmp (argv[i], "--int80") == 0)
        int80 = 1;
      else
        {
          fprintf (stderr, "seccomp_probe: unknown option %s\n", argv[i]);
          return 2;
        }
    }
  if (i >= argc)
    {
      fprintf (stderr, "usage: seccomp_probe [--catch-sigsys] [--int80] SYSCALL [ARG...]\n");
      return 2;
    }
  long nr = -1;
  for (size_t t = 0; t < sizeof table / sizeof table[0]; t++)
    if (strcmp (table[t].name, argv[i]) == 0)
      nr = table[t].nr;
  char *end;
  if (nr < 0)
    {
      nr = strtol (argv[i], &end, 0);
      if (*end || nr < 0)
        {
          fprintf (stderr, "seccomp_probe: unknown syscall %s\n", argv[i]);
          return 2;
        }
    }
  long a[6] = { 0 };
  for (int k = 0; k < 6 && i + 1 + k < argc; k++)
    a[k] = arg_value (argv[i + 1 + k], scratch);

  long ret;
  int saved;
  if (int80)
    {
#ifdef __x86_64__
      ret = syscall_int80 (nr, a);
      saved = ret < 0 && ret > -4096 ? (int) -ret : 0;
      if (saved)
        ret = -1;
#else
      fprintf (stderr, "seccomp_probe: --int80 needs x86_64\n");
      return 2;
#endif
    }
  else
    {
      errno = 0;
      ret = syscall (nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      saved = errno;
    }
  if (ret == -1 && saved)
    printf ("err %d\n", saved);
  else
    printf ("ok %ld\n", ret);
  return 0;
}
