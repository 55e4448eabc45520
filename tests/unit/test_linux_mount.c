/* Unit tests of linux/mount option parsing (no root needed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "linux_mount.h"
#include "linux_mount_copyup.h"
#include "sys.h"
#include "unit.h"

static struct spec_mount
make (char *type, char **opts, size_t n)
{
  struct spec_mount m = { .destination = "/x", .type = type, .source = "src" };
  m.options.v = opts;
  m.options.n = n;
  return m;
}

int
main (void)
{
  struct bw_error err = { 0 };
  struct mount_plan plan;

  char *o1[] = { "rbind", "ro", "nosuid", "rprivate", NULL };
  struct spec_mount m = make ("bind", o1, 4);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0, "rbind parses", "%s", err.msg);
  CHECK (plan.bind && plan.recursive, "rbind is a recursive bind", "bind=%d rec=%d", plan.bind,
         plan.recursive);
  CHECK (plan.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID), "ro,nosuid on the top mount",
         "attr_set=0x%llx", (unsigned long long) plan.attr_set);
  CHECK (plan.propagation == MS_PRIVATE && plan.propagation_recursive, "rprivate",
         "prop=0x%llx", (unsigned long long) plan.propagation);
  free (plan.data);

  char *o2[] = { "nosuid", "mode=755", "size=65536k", "strictatime", "rw", NULL };
  m = make ("tmpfs", o2, 5);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0, "tmpfs parses", "%s", err.msg);
  CHECK (!plan.bind && plan.n_data == 2, "tmpfs data options", "n_data=%zu", plan.n_data);
  CHECK_STREQ (plan.data[0], "mode=755", "first data option");
  CHECK ((plan.attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME, "strictatime",
         "attr_set=0x%llx", (unsigned long long) plan.attr_set);
  CHECK (plan.attr_clr & MOUNT_ATTR_RDONLY, "rw clears ro", "attr_clr=0x%llx",
         (unsigned long long) plan.attr_clr);
  free (plan.data);

  char *o3[] = { "rro", "rnoexec", NULL };
  m = make (NULL, o3, 2);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0, "recursive attrs parse", "%s", err.msg);
  CHECK (plan.rattr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC) && plan.attr_set == 0,
         "rro,rnoexec are recursive", "rattr_set=0x%llx", (unsigned long long) plan.rattr_set);
  free (plan.data);

  char *o4[] = { "bind", "size=1", NULL };
  m = make (NULL, o4, 2);
  CHECK (mount_plan_parse (&m, &plan, &err) < 0, "data option on a bind is refused", "accepted");
  CHECK_STREQ (err.msg, "option size=1 is not valid for a bind mount", "bind data message");
  free (plan.data);

  char *o5[] = { "idmap", NULL };
  m = make ("bind", o5, 1);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0 && plan.idmap && !plan.idmap_recursive,
         "idmap parses", "%s", err.msg);
  free (plan.data);

  char *o6[] = { "rbind", "ridmap", NULL };
  m = make ("bind", o6, 2);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0 && plan.idmap && plan.idmap_recursive
           && plan.recursive, "ridmap parses as recursive", "%s", err.msg);
  free (plan.data);

  char *o7[] = { "rw", "rprivate", "nosuid", "nodev", "tmpcopyup", NULL };
  m = make ("tmpfs", o7, 5);
  CHECK (mount_plan_parse (&m, &plan, &err) == 0 && plan.copyup && plan.n_data == 0,
         "tmpcopyup on tmpfs (podman --read-only) parses, not passed to the filesystem", "%s",
         err.msg);
  free (plan.data);

  char *o8[] = { "rbind", "tmpcopyup", NULL };
  m = make ("bind", o8, 2);
  CHECK (mount_plan_parse (&m, &plan, &err) < 0, "tmpcopyup on a bind is refused", "accepted");
  CHECK_STREQ (err.msg, "option tmpcopyup is only valid for a tmpfs mount", "tmpcopyup message");
  free (plan.data);

  char *o9[] = { "bind", "tmpcopyup", NULL };
  m = make ("tmpfs", o9, 2);
  CHECK (mount_plan_parse (&m, &plan, &err) < 0, "tmpcopyup on a bind typed tmpfs is refused",
         "accepted");
  free (plan.data);
  m = make ("proc", o7 + 4, 1);
  CHECK (mount_plan_parse (&m, &plan, &err) < 0, "tmpcopyup on proc is refused", "accepted");
  free (plan.data);
  m = make (NULL, o7 + 4, 1);
  CHECK (mount_plan_parse (&m, &plan, &err) < 0, "tmpcopyup without a type is refused",
         "accepted");
  free (plan.data);

  /* Bounds of the copy: the tmpfs size= (tmpfs's own syntax), else the default. */
  struct { char *opt; uint64_t want; } sizes[] = {
    { "mode=755", COPYUP_DEFAULT_MAX_BYTES }, { "size=65536k", 65536ULL << 10 },
    { "size=1m", 1ULL << 20 },  { "size=2G", 2ULL << 30 },    { "size=4096", 4096 },
    { "size=0x1000", 4096 },    { "size=50%", 500 },          { "size=0", COPYUP_DEFAULT_MAX_BYTES },
  };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      char *o[] = { sizes[i].opt, "tmpcopyup", NULL };
      struct copyup_limits lim;
      char name[96];
      m = make ("tmpfs", o, 2);
      snprintf (name, sizeof name, "copy bound of %s", sizes[i].opt);
      CHECK (mount_plan_parse (&m, &plan, &err) == 0
               && mount_copyup_limits (&plan, 1000, &lim, &err) == 0
               && lim.max_bytes == sizes[i].want && lim.max_depth == COPYUP_MAX_DEPTH
               && lim.max_entries == COPYUP_MAX_ENTRIES,
             name, "%s max_bytes=%llu", err.msg, (unsigned long long) lim.max_bytes);
      free (plan.data);
    }
  char *bad[] = { "size=abc", "size=1x", "size=", "size=-1", "size=101%", "size=99999999999999e" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char *o[] = { bad[i], "tmpcopyup", NULL };
      struct copyup_limits lim;
      char name[96];
      m = make ("tmpfs", o, 2);
      snprintf (name, sizeof name, "copy bound: %s refused", bad[i]);
      CHECK (mount_plan_parse (&m, &plan, &err) == 0
               && mount_copyup_limits (&plan, 1000, &lim, &err) < 0
               && strstr (err.msg, bad[i]), name, "accepted (%s)", err.msg);
      free (plan.data);
    }
  return UNIT_EXIT ();
}
