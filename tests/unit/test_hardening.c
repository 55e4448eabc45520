/* The runtime side of the policy engine that needs no root: the ID-range
 * pool parameters, delete releasing from the pool recorded in the state dir,
 * loading the seccomp profile a plan names, and rendering a saved
 * posture.json as the same table the transform's decisions give. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardening.h"
#include "hostfacts.h"
#include "idpool.h"
#include "policy.h"
#include "state.h"
#include "unit.h"

static const char *
src_path (const char *rel, char *buf, size_t size)
{
  const char *srcdir = getenv ("srcdir");
  snprintf (buf, size, "%s/%s", srcdir ? srcdir : ".", rel);
  return buf;
}

static void
test_idpool_params (void)
{
  struct bw_error err = { 0 };
  struct policy *p = NULL;
  CHECK (policy_parse ("{}", 2, &p, &err) == 0, "default policy parses", "%s", err.msg);
  if (!p)
    return;
  struct idpool_params params;
  CHECK (host_idpool_params (p, &params, &err) == 0, "pool params of the default policy", "%s",
         err.msg);
  CHECK (params.start == HOSTFACTS_IDPOOL_START && params.range_size == 65536
           && params.n_ranges == HOSTFACTS_IDPOOL_SPAN / 65536,
         "pool: start, size and count", "%u %u %u", params.start, params.range_size,
         params.n_ranges);
  /* The transform refuses config mappings inside the bounds the host facts
   * give: every range the pool hands out must lie inside them. */
  struct host_facts f;
  host_facts_gather (&f, "/run/bulwark", NULL);
  CHECK (f.id_pool_size && f.id_pool_start == params.start
           && (uint64_t) params.n_ranges * params.range_size <= f.id_pool_size,
         "host facts: the ID-range pool's bounds hold every range", "%u+%u", f.id_pool_start,
         f.id_pool_size);
  policy_free (p);
}

/* Records in `pool` (the lock aside). */
static int
pool_records (const char *pool)
{
  DIR *d = opendir (pool);
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir (d)))
    n += de->d_name[0] != '.';
  if (d)
    closedir (d);
  return n;
}

/* delete releases from the pool named in the container's state dir (the
 * policy may have changed since create), only that container's range, and
 * a container that never took one releases nothing. */
static void
test_release_ids (void)
{
  char base[] = "/tmp/bw-hardening-test.XXXXXX";
  if (!mkdtemp (base))
    return;
  char root[300], pool[300], file[700];
  snprintf (root, sizeof root, "%s/root", base);
  snprintf (pool, sizeof pool, "%s/pool", base);
  struct bw_error err = { 0 };
  struct state_store st = STATE_STORE_INIT;
  struct state_handle a = STATE_HANDLE_INIT, b = STATE_HANDLE_INIT;
  struct idpool_params params = { .start = 100000, .range_size = 10, .n_ranges = 4 };
  uint32_t start = 0;
  int ret = state_store_open (root, true, &st, &err);
  ret = ret ? ret : state_container_create (&st, "a", &a, &err);
  ret = ret ? ret : state_container_create (&st, "b", &b, &err);
  ret = ret ? ret : idpool_allocate (pool, &params, a.dir, &start, &err);
  ret = ret ? ret : idpool_allocate (pool, &params, b.dir, &start, &err);
  CHECK (ret == 0 && pool_records (pool) == 2, "two containers hold ranges", "%s", err.msg);
  CHECK (hardening_release_ids (root, "a", &err) == 0 && pool_records (pool) == 2,
         "no pool file: nothing released", "%s", err.msg);
  snprintf (file, sizeof file, "%s\n", pool);
  ret = state_write_file (&a, "idpool", file, strlen (file), &err);
  CHECK (ret == 0 && hardening_release_ids (root, "a", &err) == 0 && pool_records (pool) == 1,
         "delete releases from the recorded pool, that container only", "%s (%d left)",
         err.msg, pool_records (pool));
  CHECK (hardening_release_ids (root, "a", &err) == 0 && pool_records (pool) == 1,
         "releasing twice frees nothing else", "%s", err.msg);
  ret = state_write_file (&b, "idpool", "pool\n", 5, &err);
  CHECK (ret == 0 && hardening_release_ids (root, "b", &err) == -EINVAL
           && strstr (err.msg, "not a pool directory path") && pool_records (pool) == 1,
         "a damaged pool file is an error, nothing released", "%s", err.msg);
  snprintf (file, sizeof file, "%s/nowhere\n", base);
  ret = state_write_file (&b, "idpool", file, strlen (file), &err);
  CHECK (ret == 0 && hardening_release_ids (root, "b", &err) == 0 && pool_records (pool) == 1,
         "a pool that is gone: nothing to release", "%s", err.msg);
  snprintf (file, sizeof file, "%s\n", pool);
  state_write_file (&b, "idpool", file, strlen (file), &err);
  CHECK (hardening_release_ids (root, "b", &err) == 0 && pool_records (pool) == 0,
         "the other container's range released by its own delete", "%s", err.msg);
  state_handle_close (&a);
  state_handle_close (&b);
  state_store_close (&st);
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf %s", base);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", base);
}

static void
test_seccomp_profile (void)
{
  char dir[1024];
  struct bw_error err = { 0 };
  setenv (SECCOMP_PROFILE_DIR_ENV, src_path ("profiles/seccomp", dir, sizeof dir), 1);
  struct spec *spec = calloc (1, sizeof *spec);
  if (!spec)
    return;
  CHECK (host_load_seccomp_profile (spec, "default", &err) == 0 && spec->linux
           && spec->linux->seccomp && spec->linux->seccomp->n_syscalls > 0,
         "default profile loads into linux.seccomp", "%s", err.msg);
  CHECK (host_load_seccomp_profile (spec, "default", &err) == -EEXIST
           && strstr (err.msg, "linux.seccomp"),
         "a config's own filter is never replaced", "%s", err.msg);
  spec_free (spec);
  spec = calloc (1, sizeof *spec);
  CHECK (host_load_seccomp_profile (spec, "../etc/passwd", &err) == -EINVAL
           && strstr (err.msg, "seccomp.defaultProfile"),
         "a profile name with a slash is refused", "%s", err.msg);
  CHECK (host_load_seccomp_profile (spec, "nosuchprofile", &err) < 0
           && strstr (err.msg, "seccomp.defaultProfile") && strstr (err.msg, "nosuchprofile"),
         "a missing profile names the policy key and the file", "%s", err.msg);
  spec_free (spec);
}

static void
test_saved_posture (void)
{
  char path[1024];
  struct bw_error err = { 0 };
  struct policy *p = NULL;
  struct spec *in = NULL, *out = NULL;
  struct decisions *d = NULL;
  CHECK (policy_parse ("{}", 2, &p, &err) == 0, "policy for the posture", "%s", err.msg);
  CHECK (spec_load_config (src_path ("tests/unit/data/docker.json", path, sizeof path),
                           "docker.json", &in, &err) == 0,
         "docker.json loads", "%s", err.msg);
  if (!p || !in)
    goto done;
  {
    struct host_facts f = { .landlock = true, .landlock_abi = 6, .idmapped_mounts = true,
                            .state_root = "/run/bulwark",
                            .id_range_start = HOSTFACTS_IDPOOL_START, .id_range_size = 65536 };
    CHECK (policy_harden (p, &f, in, &out, &d, &err) == 0, "docker.json hardens", "%s", err.msg);
    if (!d)
      goto done;
    char *json = NULL, *want = NULL, *got = NULL, *as_is = NULL;
    CHECK (policy_report_json (d, true, &json, &err) == 0, "posture JSON", "%s", err.msg);
    CHECK (policy_report_table (d, &want, &err) == 0, "posture table", "%s", err.msg);
    if (json && want)
      {
        CHECK (hardening_report_saved (json, strlen (json), false, &got, &err) == 0,
               "saved posture renders as a table", "%s", err.msg);
        if (got)
          CHECK_STREQ (got, want, "saved posture: the same table as the decisions");
        CHECK (hardening_report_saved (json, strlen (json), true, &as_is, &err) == 0
                 && as_is && strcmp (as_is, json) == 0,
               "saved posture: --format json is the file", "%s", err.msg);
      }
    free (json); free (want); free (got); free (as_is);
    got = NULL;
    static const char broken[] = "{\"mode\":\"enforce\",\"decisions\":[{\"control\":\"x\"}]}";
    CHECK (hardening_report_saved (broken, strlen (broken), false, &got, &err) == -EINVAL
             && strstr (err.msg, "decisions[0]"),
           "an incomplete posture.json is refused", "%s", err.msg);
    free (got);
    got = NULL;
    CHECK (hardening_report_saved ("[]", 2, false, &got, &err) == -EINVAL,
           "a posture.json that is not one is refused", "%s", err.msg);
    free (got);
  }
done:
  decisions_free (d);
  spec_free (out);
  spec_free (in);
  policy_free (p);
}

int
main (void)
{
  test_idpool_params ();
  test_release_ids ();
  test_seccomp_profile ();
  test_saved_posture ();
  return UNIT_EXIT ();
}
