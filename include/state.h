/* state: the state root (--root, default /run/bulwark), one directory per
 * container, its lock, and state.json. Ids are validated here before any file
 * is touched. Knows nothing about namespaces. */
#ifndef BULWARK_STATE_H
#define BULWARK_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "spec.h"

#define STATE_DEFAULT_ROOT "/run/bulwark"
#define STATE_ID_MAX 1024

enum container_status
{
  STATUS_CREATING,
  STATUS_CREATED,
  STATUS_RUNNING,
  STATUS_PAUSED,
  STATUS_STOPPED
};

/* "creating", "created", "running", "paused", "stopped" */
const char *state_status_name (enum container_status s);

/* What state.json holds. Strings are owned (freed by state_record_clear). */
struct state_record
{
  char *id;
  char *bundle;                /* absolute path */
  char *rootfs;                /* absolute path */
  char *created;               /* RFC 3339 with nanoseconds, UTC */
  char *owner;                 /* "" as runc */
  enum container_status status;  /* as last written; see state_current_status */
  pid_t pid;                   /* container init on the host, 0 before it exists */
  uint64_t pid_start_time;     /* field 22 of /proc/PID/stat, to detect pid reuse */
  char *cgroup_path;           /* may be NULL */
  struct spec_map annotations; /* copied from the config */
};

struct state_store
{
  char *root;                  /* absolute path of the state root */
  int root_fd;                 /* O_PATH|O_DIRECTORY; -1 when the root does not
                                  exist and was opened without `create` */
};

#define STATE_STORE_INIT { .root = NULL, .root_fd = -1 }

/* A locked container directory. The flock is held until state_handle_close.
 * dir_fd is O_CLOEXEC, but the lock belongs to the open file description, so
 * a forked child that does not exec at once (the container init waiting for
 * `start`) must close dir_fd, or it keeps the container locked. */
struct state_handle
{
  char *id;
  char *dir;                   /* absolute path of the container's directory */
  int dir_fd;                  /* O_DIRECTORY, holds the flock */
};

/* Handles and stores start as *_INIT so that closing one that was never
 * opened is harmless (a zeroed struct would have fd 0). The functions that
 * open them also reset them first, even when they fail. */
#define STATE_HANDLE_INIT { .id = NULL, .dir = NULL, .dir_fd = -1 }

/* 1 to 1024 characters of [A-Za-z0-9_.+-], not "." or "..". */
int state_validate_id (const char *id, struct bw_error *err);

/* Open the root; with `create`, make it (mode 0700, parents too) if missing.
 * Without `create`, a missing root is not an error: the store is empty
 * (list returns no ids, open says the container does not exist) and nothing
 * is created on disk. */
int state_store_open (const char *root, bool create, struct state_store *st,
                      struct bw_error *err);
void state_store_close (struct state_store *st);

/* Atomically claim a new container directory (error "container with id
 * exists: ID" when taken) and lock it. */
int state_container_create (struct state_store *st, const char *id, struct state_handle *h,
                            struct bw_error *err);

/* Open and lock an existing container (error `container "ID" does not exist`). */
int state_container_open (struct state_store *st, const char *id, struct state_handle *h,
                          struct bw_error *err);

/* The same without the lock, for read-only commands (state, list): state.json
 * is replaced atomically, so a reader never sees half a file, and a hook that
 * runs while `create` holds the lock can still ask for the state. */
int state_container_open_unlocked (struct state_store *st, const char *id,
                                   struct state_handle *h, struct bw_error *err);

/* Remove the container's directory and everything in it; closes the handle. */
int state_container_remove (struct state_store *st, struct state_handle *h,
                            struct bw_error *err);

void state_handle_close (struct state_handle *h);

/* state.json, written atomically (temp file, fsync, rename). */
int state_write (struct state_handle *h, const struct state_record *rec, struct bw_error *err);
int state_read (struct state_handle *h, struct state_record *rec, struct bw_error *err);
void state_record_clear (struct state_record *rec);

/* Any other file in the container dir, written atomically (mode 0600). */
int state_write_file (struct state_handle *h, const char *name, const void *data, size_t len,
                      struct bw_error *err);

/* Read a regular file of the container dir (at most `max` bytes) into a
 * malloc'd NUL-terminated buffer; *len (may be NULL) gets its length.
 * A missing file gives -ENOENT. */
int state_read_file (struct state_handle *h, const char *name, size_t max, char **out,
                     size_t *len, struct bw_error *err);

/* The status now: the recorded one, corrected by whether the init process
 * (pid + start time) still exists. */
enum container_status state_current_status (const struct state_record *rec);

/* Start time (field 22 of /proc/PID/stat); 0 with an error if gone. */
int state_pid_start_time (pid_t pid, uint64_t *out, struct bw_error *err);

/* Ids of all containers under the root, sorted; NULL-terminated. */
int state_list (struct state_store *st, char ***ids, struct bw_error *err);

/* The runtime-spec state JSON (ociVersion, id, status, pid, bundle, plus
 * rootfs, created, owner and annotations as runc prints them). */
int state_to_json (const struct state_record *rec, enum container_status status, char **out,
                   struct bw_error *err);

/* RFC 3339 in UTC with nanoseconds, trailing zeros of the fraction dropped as
 * Go's RFC3339Nano does (runc's "created"): "2024-05-01T10:20:30.1234Z". */
#define STATE_RFC3339_MAX 40
void state_format_rfc3339 (const struct timespec *ts, char buf[STATE_RFC3339_MAX]);
/* The current time in that form, malloc'd. */
int state_now_rfc3339 (char **out, struct bw_error *err);

static inline void state_handle_closep (struct state_handle *h) { state_handle_close (h); }
static inline void state_store_closep (struct state_store *st) { state_store_close (st); }
#define _cleanup_state_handle_ __attribute__ ((cleanup (state_handle_closep)))
#define _cleanup_state_store_ __attribute__ ((cleanup (state_store_closep)))

#endif
