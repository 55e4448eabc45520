/* hostfacts: what the runtime tells the policy transform about the host
 * (active LSMs, Landlock ABI, idmapped rootfs support, the ID-range pool's
 * bounds), gathered from the kernel, plus finding and loading the policy a
 * command runs under (--policy, BULWARK_POLICY, the installed default) and
 * the seccomp profile a plan names. The transform itself is pure (policy.h). */
#ifndef BULWARK_HOSTFACTS_H
#define BULWARK_HOSTFACTS_H

#include "cli.h"
#include "error.h"
#include "idpool.h"
#include "policy.h"
#include "spec.h"

#ifndef BULWARK_SYSCONFDIR
# define BULWARK_SYSCONFDIR "/etc/bulwark"
#endif
#ifndef BULWARK_DATADIR
# define BULWARK_DATADIR "/usr/share/bulwark"
#endif

#define POLICY_ENV "BULWARK_POLICY"
#define POLICY_DEFAULT_PATH BULWARK_SYSCONFDIR "/policy.json"
/* Where plan.seccomp_profile names are looked up (<dir>/<name>.json); the
 * environment variable overrides it (a source tree's profiles/seccomp). */
#define SECCOMP_PROFILE_DIR_ENV "BULWARK_SECCOMP_PROFILE_DIR"
#define SECCOMP_PROFILE_DIR BULWARK_DATADIR "/seccomp"

/* The pool of host ID ranges: the policy gives the range size; the pool
 * starts above the IDs distributions hand out (/etc/subuid starts at
 * 100000 and grows by 65536 per user) and holds this many ranges. */
#define HOSTFACTS_IDPOOL_START 0x10000000u   /* 268435456 */
#define HOSTFACTS_IDPOOL_SPAN 0x60000000u    /* IDs in the pool */

/* Fill `f` from the running kernel. Never fails: an unreadable source
 * counts as "absent". The strings point at static data or at `state_root`
 * and `bundle`, which must outlive `f`. */
void host_facts_gather (struct host_facts *f, const char *state_root, const char *bundle);

/* Whether the filesystem of the config's root.path (relative to `bundle`)
 * takes an idmapped mount: tried on a detached clone, which leaves nothing
 * behind. Needs the host's CAP_SYS_ADMIN, as create has. */
bool host_can_idmap_root (const struct spec *spec, const char *bundle);

/* The policy file to use: --policy, else $BULWARK_POLICY, else the default. */
const char *host_policy_path (const struct cli_ctx *ctx);

/* Load it; an error names the file and refuses (never falls back). */
int host_policy_load (const struct cli_ctx *ctx, struct policy **out, struct bw_error *err);

/* The ID-range pool parameters for `p`. */
int host_idpool_params (const struct policy *p, struct idpool_params *out, struct bw_error *err);

/* Put the seccomp profile named by the plan into spec->linux->seccomp
 * (the profile file has the linux.seccomp format). */
int host_load_seccomp_profile (struct spec *spec, const char *name, struct bw_error *err);

#endif
