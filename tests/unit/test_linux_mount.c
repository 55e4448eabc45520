/* Unit tests of linux/mount option parsing (no root needed). */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "linux_mount.h"
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
  return UNIT_EXIT ();
}
