/* featureset: what `features` lists must be what the modules accept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "featureset.h"
#include "linux_mount.h"
#include "linux_seccomp.h"
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
  /* runtime/hooks.c runs every kind the spec has: all are listed. */
  size_t listed = 0;
  for (int k = 0; k < SPEC_HOOK_KINDS; k++)
    for (const char *const *h = f.hooks; *h; h++)
      if (strcmp (*h, spec_hook_kind_names[k]) == 0)
        listed++;
  CHECK (listed == SPEC_HOOK_KINDS, "all six hook kinds listed", "%zu listed", listed);

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

/* Every seccomp action, operator, arch and flag listed is one that
 * linux/seccomp translates for libseccomp. */
static void
test_seccomp_lists_are_understood (void)
{
  struct features f;
  features_collect (&f);
  char name[160];
  for (const char *const *a = f.seccomp_actions; a && *a; a++)
    {
      uint32_t v;
      snprintf (name, sizeof name, "seccomp action %s listed and understood", *a);
      CHECK (seccomp_action_value (*a, NULL, &v) == 0, name, "refused");
    }
  for (const char *const *o = f.seccomp_operators; o && *o; o++)
    {
      enum scmp_compare op;
      snprintf (name, sizeof name, "seccomp operator %s listed and understood", *o);
      CHECK (seccomp_operator_value (*o, &op) == 0, name, "refused");
    }
  for (const char *const *a = f.seccomp_archs; a && *a; a++)
    {
      uint32_t arch;
      snprintf (name, sizeof name, "seccomp arch %s listed and understood", *a);
      CHECK (seccomp_arch_value (*a, &arch) == 0, name, "refused");
    }
  for (const char *const *fl = f.seccomp_flags; fl && *fl; fl++)
    {
      enum scmp_filter_attr attr;
      snprintf (name, sizeof name, "seccomp flag %s listed and understood", *fl);
      CHECK (seccomp_flag_attr (*fl, &attr) == 0, name, "refused");
    }
}

int
main (void)
{
  test_mount_options_are_understood ();
  test_seccomp_lists_are_understood ();
  test_unsupported_is_refused ();
  return UNIT_EXIT ();
}
