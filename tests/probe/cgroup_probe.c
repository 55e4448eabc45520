/* cgroup_probe: runs inside test containers to push against cgroup limits.
 *   cgroup_probe alloc MIB     allocate and touch MIB MiB, then print "allocated MIB"
 *   cgroup_probe spin SECONDS  burn CPU for SECONDS, then print "spun"
 *   cgroup_probe fork N        try to fork N children that sleep 5 s; print "forked K"
 *                              (K < N when the pids limit stopped it)
 * Static, no libc beyond the basics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
do_alloc (long mib)
{
  for (long i = 0; i < mib; i++)
    {
      char *p = malloc (1 << 20);
      if (!p)
        {
          printf ("malloc failed after %ld MiB\n", i);
          return 1;
        }
      memset (p, 0x5a, 1 << 20);
    }
  printf ("allocated %ld\n", mib);
  return 0;
}

static int
do_spin (long seconds)
{
  struct timespec start, now;
  clock_gettime (CLOCK_MONOTONIC, &start);
  volatile unsigned long x = 0;
  do
    {
      for (int i = 0; i < 1000000; i++)
        x++;
      clock_gettime (CLOCK_MONOTONIC, &now);
    }
  while (now.tv_sec - start.tv_sec < seconds);
  printf ("spun\n");
  return 0;
}

static int
do_fork (long n)
{
  long k = 0;
  for (; k < n; k++)
    {
      pid_t pid = fork ();
      if (pid < 0)
        break;
      if (pid == 0)
        {
          sleep (5);
          _exit (0);
        }
    }
  printf ("forked %ld\n", k);
  fflush (stdout);
  while (wait (NULL) > 0)
    ;
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: cgroup_probe alloc MIB | spin SECONDS | fork N\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IONBF, 0);
  long n = strtol (argv[2], NULL, 10);
  if (strcmp (argv[1], "alloc") == 0)
    return do_alloc (n);
  if (strcmp (argv[1], "spin") == 0)
    return do_spin (n);
  if (strcmp (argv[1], "fork") == 0)
    return do_fork (n);
  fprintf (stderr, "cgroup_probe: unknown mode %s\n", argv[1]);
  return 2;
}
