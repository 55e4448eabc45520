/* hostfacts: the host as the policy transform needs to know it, and the
 * policy and profiles the runtime loads for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hostfacts.h"
#include "linux_landlock.h"
#include "linux_lsm.h"
#include "linux_mount.h"
#include "linux_rootfs.h"
#include "sys.h"

void
host_facts_gather (struct host_facts *f, const char *state_root, const char *bundle)
{
  struct lsm_host lsm = { 0 };
  lsm_detect (&lsm);
  *f = (struct host_facts) {
    .apparmor = lsm.apparmor,
    .selinux = lsm.selinux,
    .landlock_abi = landlock_abi (),
    /* Known per root filesystem only: see host_can_idmap_root. */
    .idmapped_mounts = false,
    .state_root = state_root,
    .bundle = bundle,
    .id_pool_start = HOSTFACTS_IDPOOL_START,
    .id_pool_size = HOSTFACTS_IDPOOL_SPAN,
  };
  f->landlock = f->landlock_abi > 0;
}

const char *
host_policy_path (const struct cli_ctx *ctx)
{
  if (ctx->global.policy_path)
    return ctx->global.policy_path;
  const char *env = getenv (POLICY_ENV);
  return env && *env ? env : POLICY_DEFAULT_PATH;
}

int
host_policy_load (const struct cli_ctx *ctx, struct policy **out, struct bw_error *err)
{
  const char *path = host_policy_path (ctx);
  int ret = policy_load (path, out, err);
  if (ret < 0 && !strstr (err->msg, path))
    bw_error_prefix (err, "policy %s", path);
  return ret < 0 ? bw_error_prefix (err, "refusing to run containers") : 0;
}

int
host_idpool_params (const struct policy *p, struct idpool_params *out, struct bw_error *err)
{
  uint32_t size = p->userns_size ? p->userns_size : IDPOOL_DEFAULT_RANGE_SIZE;
  *out = (struct idpool_params) {
    .start = HOSTFACTS_IDPOOL_START,
    .range_size = size,
    .n_ranges = HOSTFACTS_IDPOOL_SPAN / size,
  };
  int ret = idpool_params_check (out, err);
  return ret < 0 ? bw_error_prefix (err, "userNamespace.size") : 0;
}

int
host_load_seccomp_profile (struct spec *spec, const char *name, struct bw_error *err)
{
  const char *dir = getenv (SECCOMP_PROFILE_DIR_ENV);
  if (!dir || !*dir)
    dir = SECCOMP_PROFILE_DIR;
  if (strchr (name, '/') || !*name)
    return bw_error_set (err, EINVAL, "seccomp.defaultProfile: \"%s\" is not a profile name", name);
  _cleanup_free_ char *path = NULL, *text = NULL, *doc = NULL;
  size_t len = 0;
  if (asprintf (&path, "%s/%s.json", dir, name) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  int ret = spec_read_file (path, &text, &len, err);
  if (ret < 0)
    return bw_error_prefix (err, "seccomp.defaultProfile");
  /* The profile is a linux.seccomp object: parse it as one, with the
   * config's own parser and error rules. */
  if (asprintf (&doc, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"seccomp\":%.*s}}", (int) len, text) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  _cleanup_spec_ struct spec *wrapper = NULL;
  ret = spec_parse_config (doc, strlen (doc), &wrapper, err);
  if (ret < 0)
    return bw_error_prefix (err, "seccomp.defaultProfile %s", path);
  if (!spec->linux)
    {
      spec->linux = calloc (1, sizeof *spec->linux);
      if (!spec->linux)
        return bw_error_set (err, ENOMEM, "out of memory");
    }
  if (spec->linux->seccomp)
    return bw_error_set (err, EEXIST, "linux.seccomp: already set; the default profile is for configs without one");
  spec->linux->seccomp = bw_steal_ptr (wrapper->linux->seccomp);
  return 0;
}

bool
host_can_idmap_root (const struct spec *spec, const char *bundle)
{
  if (!spec->root || !spec->root->path)
    return false;
  _cleanup_free_ char *path = NULL;
  if (spec->root->path[0] == '/')
    path = strdup (spec->root->path);
  else if (bundle && asprintf (&path, "%s/%s", bundle, spec->root->path) < 0)
    path = NULL;
  if (!path)
    return false;
  /* Any unprivileged mapping will do for the question. */
  struct spec_id_mapping one = { .container_id = 0, .host_id = 65534, .size = 1 };
  struct spec_id_mappings maps = { .items = &one, .n = 1, .set = true };
  struct bw_error ignored = { 0 };
  _cleanup_close_ int dir = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return false;
  if (rootfs_is_overlay (dir))
    {
      /* Its layers idmapped under a new overlay (rootfs_overlay.c): try
       * the very assembly, read-only. */
      _cleanup_close_ int probe = -1;
      return rootfs_overlay_idmap (dir, path, &maps, &maps, false, &probe, &ignored) == 0;
    }
  _cleanup_close_ int tree = sys_open_tree (dir, "", AT_EMPTY_PATH | OPEN_TREE_CLONE
                                                       | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return false;
  return mount_idmap_tree (tree, &maps, &maps, false, path, &ignored) == 0;
}
