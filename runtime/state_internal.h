/* state_internal: helpers shared by the state module's files (state.c,
 * state_io.c). Not for other modules: they use include/state.h. */
#ifndef BULWARK_STATE_INTERNAL_H
#define BULWARK_STATE_INTERNAL_H

#include <stddef.h>

#include "error.h"

/* "<prefix><16 random hex digits>", for temporary entries. */
int state_random_name (const char *prefix, char *out, size_t size, struct bw_error *err);

/* "a/b", malloc'd; NULL when out of memory. */
char *state_path_join (const char *a, const char *b);

/* write(2) until done; -1 with errno on failure. */
int state_write_all (int fd, const void *data, size_t len);

/* Read a regular file under dirfd (no symlink, no fifo) of at most `max`
 * bytes into a malloc'd NUL-terminated buffer. `shown` names it in errors. */
int state_read_file_at (int dirfd, const char *name, const char *shown, size_t max, char **out,
                        size_t *len, struct bw_error *err);

#endif
