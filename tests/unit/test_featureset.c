/* featureset: what `features` lists must be what the modules accept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "featureset.h"
#include "linux_mount.h"
#include "unit.h"

static void
test_mount_options_are_understood (void)
{
  struct features f;
  features_collect (&f);
  for (const char *const *o = f.mount_options; *o; o++)
    {
      char *opts[] = { (char *) *o, NULL };
      struct spec_mount m = { .destination = (char *) "/mnt", .type = (char *) "tmpfs",
                              .source = (char *) "tmpfs", .options = { opts, 1 } };
      struct mount_plan plan = { 0 };
      struct bw_error err = { 0 };
      char name[128];
      snprintf (name, sizeof name, "mount option \"%s\" listed and accepted", *o);
      int ret = mount_plan_parse (&m, &plan, &err);
      CHECK (ret == 0, name, "%s", err.msg);
      free (plan.data);
    }
}

static void
test_unsupported_is_refused (void)
{
  struct spec_hook hook = { .path = (char *) "/bin/true" };
  struct spec_hooks hooks = { 0 };
  hooks.kinds[SPEC_HOOK_PRESTART] = (struct spec_hook_list) { &hook, 1, true };
  struct spec spec = { .hooks = &hooks };
  struct bw_error err = { 0 };
  struct features f;
  features_collect (&f);
  int ret = features_check_config (&spec, NULL, NULL, &err);
  if (f.hooks[0] == NULL)
    CHECK (ret < 0 && strstr (err.msg, "hooks.prestart"), "hooks refused while not listed",
           "ret %d: %s", ret, err.msg);
  else
    CHECK (ret == 0, "hooks accepted when listed", "%s", err.msg);

  struct spec_seccomp seccomp = { .default_action = (char *) "SCMP_ACT_ALLOW" };
  struct spec_linux linux_part = { .seccomp = &seccomp };
  struct spec spec2 = { .linux = &linux_part };
  ret = features_check_config (&spec2, NULL, NULL, &err);
  if (!f.seccomp)
    CHECK (ret < 0 && strstr (err.msg, "linux.seccomp"), "seccomp refused while not enabled",
           "ret %d: %s", ret, err.msg);
  else
    CHECK (ret == 0, "seccomp accepted when enabled", "%s", err.msg);
}

int
main (void)
{
  test_mount_options_are_understood ();
  test_unsupported_is_refused ();
  return UNIT_EXIT ();
}
