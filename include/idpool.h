/* idpool: the machine-wide pool of host ID ranges handed to containers for
 * their user namespace. Owns the range arithmetic (pure) and the records in
 * the pool directory (the policy's userNamespace.pool, one for every state
 * root on the machine, so containers of different clients never share a
 * range): one file per allocated range, named by its first host ID, holding
 * the range and its owner (the absolute path of the container's state
 * directory plus that directory's dev:ino). A record is created complete
 * and linked into place in one step, so an allocation and its owner are
 * recorded together: a runtime killed at any point leaks no range. Every
 * operation holds an exclusive flock on <pool>/.lock.
 *
 * A record is live while its owner path is the very directory recorded
 * (same dev:ino: an id deleted and reused after a crash does not inherit
 * the old range). It is stale when that path is gone or is something else
 * now; any other doubt (a path we may not stat) counts as live, so a range
 * is never handed out twice. Liveness needs nothing but the record, so the
 * records of every state root are reclaimed alike. */
#ifndef BULWARK_IDPOOL_H
#define BULWARK_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define IDPOOL_DEFAULT_RANGE_SIZE 65536u

struct idpool_params
{
  uint32_t start;       /* first host ID of range 0; never 0 (host root) */
  uint32_t range_size;  /* IDs per container */
  uint32_t n_ranges;    /* ranges in the pool */
};

/* One record: [host_start, host_start + size) owned by the container whose
 * state directory is `owner` (absolute) and was dev:ino when the range was
 * allocated. */
struct idpool_record
{
  uint32_t host_start;
  uint32_t size;
  uint64_t dev;
  uint64_t ino;
  char *owner;
};

/* ---- pure */

/* The pool fits below 2^32 - 1 ((uid_t) -1 is no ID), excludes host ID 0
 * and is not empty. Errors name the parameter. */
int idpool_params_check (const struct idpool_params *p, struct bw_error *err);

/* First host ID of range `index`; -ERANGE when index >= n_ranges.
 * Call with checked params. */
int idpool_range_start (const struct idpool_params *p, uint32_t index, uint32_t *out);

/* True when [a, a + a_size) and [b, b + b_size) share an ID. */
bool idpool_ranges_overlap (uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size);

/* An owner path as records hold it: absolute, at most PATH_MAX - 1 bytes, no
 * empty, "." or ".." component, no trailing slash, no control character. */
bool idpool_owner_path_ok (const char *path);

/* A record's file content ("<start> <size>\n<dev> <ino>\n<owner>\n") and
 * back. Parsing is strict: anything else (an owner path that is not
 * idpool_owner_path_ok among others) is -EINVAL. The parsed rec owns
 * rec->owner. */
int idpool_record_format (const struct idpool_record *rec, char **out);
int idpool_record_parse (const char *text, struct idpool_record *rec);
void idpool_record_clear (struct idpool_record *rec);

/* ---- the pool directory `pool_dir` (absolute; allocate creates it, mode
 * 0700, parents too). One that someone else owns, or that group or others
 * may write, is refused: they could make two containers share a range. */

/* Give the container whose state directory is `owner_dir` (absolute, as
 * idpool_owner_path_ok; it must exist: allocate after
 * state_container_create) a range of p->range_size IDs overlapping no live
 * record (stale ones are reclaimed when the pool is otherwise full) and
 * record it. An owner that already holds a live range gets that one back.
 * -ENOSPC when every range is held by a live container. */
int idpool_allocate (const char *pool_dir, const struct idpool_params *p, const char *owner_dir,
                     uint32_t *host_start, struct bw_error *err);

/* Drop every record whose owner is `owner_dir` (call before the state
 * directory is removed). *released (may be NULL) counts them; none, or no
 * pool directory, is not an error. */
int idpool_release (const char *pool_dir, const char *owner_dir, unsigned *released,
                    struct bw_error *err);

/* Remove the stale records (see above) and temporary files left by a killed
 * allocator. *reclaimed (may be NULL) counts the records removed. */
int idpool_reclaim_stale (const char *pool_dir, unsigned *reclaimed, struct bw_error *err);

#endif
