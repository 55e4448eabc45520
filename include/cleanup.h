/* cleanup: scope-bound release of memory, fds and streams. */
#ifndef BULWARK_CLEANUP_H
#define BULWARK_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void
bw_freep (void *p)
{
  free (*(void **) p);
}

static inline void
bw_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
bw_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

/* Free a NULL-terminated array of strings. */
static inline void
bw_strvfree (char **v)
{
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

static inline void
bw_strvfreep (char ***v)
{
  bw_strvfree (*v);
}

#define _cleanup_free_ __attribute__ ((cleanup (bw_freep)))
#define _cleanup_close_ __attribute__ ((cleanup (bw_closep)))
#define _cleanup_fclose_ __attribute__ ((cleanup (bw_fclosep)))
#define _cleanup_strv_ __attribute__ ((cleanup (bw_strvfreep)))

/* Hand ownership out of a cleanup-managed variable. */
#define bw_steal_ptr(p) ({ __typeof__ (p) _tmp = (p); (p) = NULL; _tmp; })
#define bw_steal_fd(fd) ({ int _tmp = (fd); (fd) = -1; _tmp; })

#endif
