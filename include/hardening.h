/* hardening: the runtime's use of the policy engine at create, exec,
 * update and report. Owns one container's hardening session: the policy
 * and host facts, the ID range taken from the pool, the transform's output
 * (hardened spec and decisions), writing posture.json and logging the
 * decisions; and holding a later exec or update to the same policy. */
#ifndef BULWARK_HARDENING_H
#define BULWARK_HARDENING_H

#include <stdbool.h>

#include "cli.h"
#include "error.h"
#include "spec.h"
#include "state.h"

#define POSTURE_FILE "posture.json"

struct hardening;

/* Load the policy (a bad one refuses: the error names the file) and gather
 * the host facts. `abs_bundle` must outlive the session. */
int hardening_begin (struct cli_ctx *ctx, const char *abs_bundle, struct hardening **out,
                     struct bw_error *err);

/* Once the container's state dir exists: take an ID range when the policy
 * adds a user namespace (enforce mode only; audit changes nothing), run the
 * transform and, in enforce mode, add the seccomp profile the plan names.
 * *out is the hardened spec (audit: an unchanged copy). A refusal fails with
 * the transform's one-line error; the caller then calls hardening_abandon. */
int hardening_apply (struct hardening *hd, const char *id, const struct spec *in,
                     struct spec **out, struct bw_error *err);

/* Write posture.json into the state dir, log the decisions as one JSON
 * line to the --log file. */
int hardening_record (struct hardening *hd, struct cli_ctx *ctx, struct state_handle *h,
                      struct bw_error *err);

/* The plan's side effects for the Linux stage (all false in audit mode). */
bool hardening_wants_floor (const struct hardening *hd);
bool hardening_wants_landlock (const struct hardening *hd);

/* update: the policy's limits on `config` (the saved hardened config with
 * the update merged in), as at create: what goes above a maximum, or asks
 * for no limit, is changed and a warning naming the policy key is logged. */
int hardening_limit_update (struct cli_ctx *ctx, const char *id, struct spec *config,
                            struct bw_error *err);

/* exec: the policy's process controls on `process` (about to run in the
 * container whose saved config is `config`), as at create: capabilities
 * outside the allowed set are dropped, no_new_privs forced, the LSM label
 * held to the policy, each change logged as a warning naming the policy
 * key; the container's bulwark.* relaxations apply; audit changes nothing.
 * A refused label fails with the policy's one-line error. */
int hardening_limit_exec (struct cli_ctx *ctx, const char *id, const struct spec *config,
                          struct spec_process *process, struct bw_error *err);

/* Give the ID range back (failed create). */
void hardening_abandon (struct hardening *hd, const char *id);

void hardening_free (struct hardening *hd);

/* delete: release whatever ID range `id` holds (none is fine). */
int hardening_release_ids (const char *state_root, const char *id, struct bw_error *err);

/* report --bundle: the transform on a bundle's config, nothing created:
 * the table (or JSON) in *out. The decisions are shown also when the
 * config is refused (*refused set, the error in err). */
int hardening_report_bundle (struct cli_ctx *ctx, const char *bundle, bool json, char **out,
                             bool *refused, struct bw_error *err);

/* report ID: the saved posture.json rendered as a table or as is. */
int hardening_report_saved (const char *posture_json, size_t len, bool json, char **out,
                            struct bw_error *err);

#endif
