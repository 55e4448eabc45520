/* linux_cgroup_stats: a container's resource usage read from its cgroup
 * files (v1 controllers or the v2 unified directory) into one struct, and
 * that struct as runc's `events` JSON ({"type":"stats","id":...,"data":...},
 * field names of runc's events types). Knows nothing about placement: the
 * caller passes the directories. */
#ifndef BULWARK_LINUX_CGROUP_STATS_H
#define BULWARK_LINUX_CGROUP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* An unlimited limit ("max" on v2), as runc reports it. */
#define CGROUP_STATS_UNLIMITED UINT64_MAX

struct cgroup_stat_kv { char *key; uint64_t value; };
struct cgroup_blkio_entry { uint64_t major, minor; char *op; uint64_t value; };
struct cgroup_blkio_list { struct cgroup_blkio_entry *e; size_t n; };
struct cgroup_mem_entry { uint64_t limit, usage, max, failcnt; };
struct cgroup_hugetlb_stat { char *page_size; uint64_t usage, max, failcnt; };

struct cgroup_stats
{
  struct
  {
    uint64_t total, kernel, user;           /* nanoseconds */
    uint64_t *percpu; size_t n_percpu;      /* v1 only */
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    uint64_t cache;
    struct cgroup_mem_entry usage, swap, kernel, kernel_tcp;
    struct cgroup_stat_kv *raw; size_t n_raw;   /* memory.stat as is */
  } memory;
  struct { uint64_t current, limit; } pids;     /* limit 0: unlimited */
  struct { struct cgroup_blkio_list service_bytes, serviced; } blkio;
  struct cgroup_hugetlb_stat *hugetlb; size_t n_hugetlb;
};

/* The container's v1 directories, NULL where the controller is missing. */
struct cgroup_stats_v1_dirs
{
  const char *cpu, *cpuacct, *memory, *pids, *blkio, *hugetlb;
};

/* Missing files count as zero (kernels differ in what they have); files
 * that exist but can't be read or parsed are errors naming the path. */
int cgroup_stats_read_v1 (const struct cgroup_stats_v1_dirs *dirs, struct cgroup_stats *st,
                          struct bw_error *err);
int cgroup_stats_read_v2 (const char *dir, struct cgroup_stats *st, struct bw_error *err);
void cgroup_stats_clear (struct cgroup_stats *st);

/* One line of JSON (no newline), malloc'd. */
int cgroup_stats_to_json (const char *id, const struct cgroup_stats *st, char **out,
                          struct bw_error *err);

/* OOM notifications of a container's memory cgroup. v1: an eventfd
 * registered for memory.oom_control through cgroup.event_control. v2:
 * inotify on memory.events, counting growth of its oom_kill counter. */
struct cgroup_oom_watch
{
  bool v2;
  int fd;                      /* poll for POLLIN: eventfd or inotify fd */
  char *dir;                   /* the memory cgroup directory */
  uint64_t oom_kills;          /* v2: the counter last seen */
};

#define CGROUP_OOM_WATCH_INIT { .fd = -1 }

/* -ENOENT when the directory has no memory controller files. */
int cgroup_oom_watch_open (const char *memory_dir, bool v2, struct cgroup_oom_watch *w,
                           struct bw_error *err);
/* How many OOM events happened since the last call (never blocks; call it
 * when fd is readable, and once more at the end to catch late ones). */
int cgroup_oom_watch_read (struct cgroup_oom_watch *w, uint64_t *events, struct bw_error *err);
void cgroup_oom_watch_close (struct cgroup_oom_watch *w);

/* ---- parsers of single files, exposed for the unit tests ---- */
/* "key value" lines (memory.stat, cpu.stat, cpuacct.stat). */
int cgroup_stats_parse_kv (const char *text, struct cgroup_stat_kv **out, size_t *n);
uint64_t cgroup_stats_kv_get (const struct cgroup_stat_kv *kv, size_t n, const char *key);
/* A number or "max" (CGROUP_STATS_UNLIMITED). */
int cgroup_stats_parse_u64 (const char *text, uint64_t *out);
/* blkio.*: "MAJ:MIN Op value" lines; "Total" lines are skipped. */
int cgroup_stats_parse_blkio_v1 (const char *text, struct cgroup_blkio_list *out);
/* io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.." lines. */
int cgroup_stats_parse_io_stat (const char *text, struct cgroup_blkio_list *bytes,
                                struct cgroup_blkio_list *ios);
/* cpuacct.usage_percpu: space-separated numbers. */
int cgroup_stats_parse_percpu (const char *text, uint64_t **out, size_t *n);

#endif
