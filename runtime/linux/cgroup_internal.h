/* cgroup internals shared by runtime/linux/cgroup*.c: small file helpers. */
#ifndef BULWARK_CGROUP_INTERNAL_H
#define BULWARK_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

/* `base` + "/" + `rel` without doubled or trailing slashes; malloc'd. */
char *cgroup_join (const char *base, const char *rel);

/* Write `value` to DIR/FILE in one write(2); 0 or -errno. */
int cgroup_write_file (const char *dir, const char *file, const char *value);

/* The whole of DIR/FILE, malloc'd; 0 or -errno. */
int cgroup_read_file (const char *dir, const char *file, char **out);

/* In the mappings' builders: an append that fails (-ENOMEM) jumps to the
 * function's `nomem` label. */
#define TRY_ALLOC(x) do { if ((x) < 0) goto nomem; } while (0)

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

/* One blockIO throttle list: "MAJ:MIN <prefix><rate>" per device into
 * `file` (v1: blkio.throttle.*_device, prefix ""; v2: io.max, prefix
 * "rbps=" and so on); `field` is the list's name (throttleReadBpsDevice).
 * 0 or -ENOMEM. */
int cgroup_throttle_writes (const struct spec_throttle_list *l, const char *file,
                            const char *prefix, const char *field, struct cgroup_writes *ws);

/* Usage files (cgroup_stats.c), for the OOM watcher too. A "key value"
 * file; *kv NULL when missing. Free with cgroup_stats_kv_free. */
struct cgroup_stat_kv;
int cgroup_stats_read_kv (const char *dir, const char *file, struct cgroup_stat_kv **kv,
                          size_t *n, struct bw_error *err);
void cgroup_stats_kv_free (struct cgroup_stat_kv *kv, size_t n);

#endif
