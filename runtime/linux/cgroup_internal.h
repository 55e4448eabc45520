/* cgroup internals shared by runtime/linux/cgroup*.c: small file helpers. */
#ifndef BULWARK_CGROUP_INTERNAL_H
#define BULWARK_CGROUP_INTERNAL_H

#include <stdbool.h>

#include "spec.h"

/* `base` + "/" + `rel` without doubled or trailing slashes; malloc'd. */
char *cgroup_join (const char *base, const char *rel);

/* Write `value` to DIR/FILE in one write(2); 0 or -errno. */
int cgroup_write_file (const char *dir, const char *file, const char *value);

/* The whole of DIR/FILE, malloc'd; 0 or -errno. */
int cgroup_read_file (const char *dir, const char *file, char **out);

struct cgroup_writes;
/* Append a write (value from the format); 0 or -ENOMEM. */
int cgroup_add (struct cgroup_writes *ws, const char *controller, const char *file,
                const char *field, const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

/* Give the last write an alternative file and value (used when the first
 * file does not exist). */
int cgroup_add_alt (struct cgroup_writes *ws, const char *file, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* The parts both mappings share: cpu.idle, cpuset, pids, hugetlb, rdma.
 * `v2` picks file names. */
int cgroup_common_writes (const struct spec_resources *r, bool v2, struct cgroup_writes *ws);

#endif
