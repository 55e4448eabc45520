/* idpool: the pool of host ID ranges handed to containers for their user
 * namespace. Owns the range arithmetic (pure) and the records under
 * <state root>/.idpool/: one file per allocated range, named by its first
 * host ID, holding the range and its owner (container id plus the dev:ino of
 * the container's state directory). A record is created complete and linked
 * into place in one step, so an allocation and its owner are recorded
 * together: a runtime killed at any point leaks no range. Every operation
 * holds an exclusive flock on <state root>/.idpool/.lock.
 *
 * A record is live while the container's state directory exists and is the
 * very directory recorded (same dev:ino: an id deleted and reused after a
 * crash does not inherit the old range). It is stale when that directory is
 * gone or was replaced; any other doubt (an unreadable root) counts as live,
 * so a range is never handed out twice. */
#ifndef BULWARK_IDPOOL_H
#define BULWARK_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define IDPOOL_DIR ".idpool"
#define IDPOOL_DEFAULT_RANGE_SIZE 65536u

struct idpool_params
{
  uint32_t start;       /* first host ID of range 0; never 0 (host root) */
  uint32_t range_size;  /* IDs per container */
  uint32_t n_ranges;    /* ranges in the pool */
};

/* One record: [host_start, host_start + size) owned by `id`, whose state
 * directory was dev:ino when the range was allocated. */
struct idpool_record
{
  uint32_t host_start;
  uint32_t size;
  uint64_t dev;
  uint64_t ino;
  char *id;
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

/* A record's file content ("<start> <size>\n<dev> <ino>\n<id>\n") and back.
 * Parsing is strict: anything else is -EINVAL. *out owns rec->id. */
int idpool_record_format (const struct idpool_record *rec, char **out);
int idpool_record_parse (const char *text, struct idpool_record *rec);
void idpool_record_clear (struct idpool_record *rec);

/* ---- the pool in <state_root>/.idpool */

/* Give `container_id` a range of p->range_size IDs overlapping no live
 * record (stale ones are reclaimed when the pool is otherwise full) and
 * record it. The container's state directory must exist (allocate after
 * state_container_create). A container that already owns a live range gets
 * that one back. -ENOSPC when every range is held by a live container. */
int idpool_allocate (const char *state_root, const struct idpool_params *p,
                     const char *container_id, uint32_t *host_start, struct bw_error *err);

/* Drop every record owned by `container_id` (call before the state
 * directory is removed). *released (may be NULL) counts them; none is not an
 * error. */
int idpool_release (const char *state_root, const char *container_id, unsigned *released,
                    struct bw_error *err);

/* Remove the stale records (see above) and temporary files left by a killed
 * allocator. *reclaimed (may be NULL) counts the records removed. */
int idpool_reclaim_stale (const char *state_root, unsigned *reclaimed, struct bw_error *err);

#endif
