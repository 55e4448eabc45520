/* hooks: the OCI lifecycle hooks (runtime-spec "POSIX-platform Hooks").
 * Runs one list of hooks in order: each is forked and exec'd with its path,
 * args and env exactly as configured, the container state JSON on its stdin
 * and its stdout/stderr on the caller's stderr, and is killed when its
 * timeout expires. Where (runtime or container namespaces) and when a list
 * runs is the callers' business (container, linux/init, lifecycle). */
#ifndef BULWARK_HOOKS_H
#define BULWARK_HOOKS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* The configured hooks of `kind`; NULL when there are none. */
const struct spec_hook_list *hooks_of (const struct spec *spec, enum spec_hook_kind kind);

/* Whether create needs the hooks step between the runtime and the init:
 * any prestart, createRuntime, createContainer or startContainer hook. The
 * init then stops before pivot_root so that the runtime runs prestart and
 * createRuntime, and receives the state documents for its own hooks. */
bool hooks_need_init_step (const struct spec *spec);

/* Run every hook of `list` (may be NULL) in order and stop at the first
 * failure: it could not be exec'd, exited non-zero, was killed by a signal
 * or outlived its timeout (then it is SIGKILLed). Errors name the hook, e.g.
 * "hooks.prestart[0]: /usr/bin/x timed out after 5s". */
int hooks_run (const struct spec_hook_list *list, enum spec_hook_kind kind,
               const char *state_json, struct bw_error *err);

/* As hooks_run, but every hook runs: each failure goes to warn() (one line)
 * and the rest go on, as the spec wants for poststart and poststop. */
void hooks_run_all (const struct spec_hook_list *list, enum spec_hook_kind kind,
                    const char *state_json, void (*warn) (void *data, const char *msg),
                    void *data);

#endif
