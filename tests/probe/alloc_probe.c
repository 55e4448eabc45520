/* alloc_probe MIB: allocate MIB mebibytes one at a time and touch every
 * page, so that the memory is really charged to the cgroup (a memory limit
 * test expects the kernel to OOM-kill this process). Prints "allocated N"
 * and exits 0 if it got everything; exits 2 on malloc failure. Static,
 * runs inside test containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: alloc_probe MIB\n");
      return 64;
    }
  long mib = strtol (argv[1], NULL, 10);
  long page = sysconf (_SC_PAGESIZE);
  for (long i = 0; i < mib; i++)
    {
      char *p = malloc (1 << 20);
      if (!p)
        {
          printf ("malloc failed after %ld MiB\n", i);
          return 2;
        }
      for (long off = 0; off < (1 << 20); off += page)
        p[off] = 1;
      /* Never freed: the point is to keep it. */
    }
  printf ("allocated %ld\n", mib);
  return 0;
}
