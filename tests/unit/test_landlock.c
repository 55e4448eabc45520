/* Landlock, the pure parts: the opt-in annotation and the plan (which
 * paths get which rights) per config and per kernel ABI. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "linux_landlock.h"
#include "unit.h"

#define READ_RIGHTS                                                                      \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define RIGHT_TRUNCATE (1ULL << 14)
#define RIGHT_IOCTL_DEV (1ULL << 15)
#define SCOPES 3ULL /* abstract unix socket | signal */

static struct spec *
parse (const char *annotations, const char *readonly, const char *mounts)
{
  char *json = NULL;
  struct spec *spec = NULL;
  struct bw_error err = { 0 };
  if (asprintf (&json,
                "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"%s%s},"
                " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0},"
                " \"noNewPrivileges\": true},"
                " \"annotations\": {%s}, \"mounts\": [%s]}",
                readonly ? ", \"readonly\": " : "", readonly ? readonly : "", annotations, mounts)
      < 0)
    return NULL;
  if (spec_parse_config (json, strlen (json), &spec, &err) < 0)
    printf ("# parse: %s\n", err.msg);
  free (json);
  return spec;
}

static const struct landlock_rule *
rule_for (const struct landlock_plan *plan, const char *path)
{
  for (size_t i = 0; i < plan->n_rules; i++)
    if (strcmp (plan->rules[i].path, path) == 0)
      return &plan->rules[i];
  return NULL;
}

static void
test_wanted (void)
{
  struct bw_error err = { 0 };
  bool wanted = true;
  struct spec *s = parse ("", NULL, "");
  CHECK (s && landlock_wanted (s, &wanted, &err) == 0 && !wanted, "no annotation: off", "%s",
         err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.landlock\": \"enforce\"", NULL, "");
  CHECK (s && landlock_wanted (s, &wanted, &err) == 0 && wanted, "enforce: on", "%s", err.msg);
  spec_free (s);
  s = parse ("\"run.bulwark.landlock\": \"Enforce\\u0001\"", NULL, "");
  int ret = s ? landlock_wanted (s, &wanted, &err) : 0;
  CHECK (ret == -EINVAL && !wanted
             && strstr (err.msg, "annotations.run.bulwark.landlock: unknown value \"Enforce\\x01\""),
         "unknown value refused, quoted", "%s", err.msg);
  spec_free (s);
}

static const char *typical_mounts =
  "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
  "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\"]},"
  "{\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", \"ro\"]},"
  "{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
  "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"rbind\", \"rw\"]},"
  "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\"]},"
  "{\"destination\": \"/rro\", \"source\": \"/srv\", \"options\": [\"rbind\", \"rro\"]},"
  "{\"destination\": \"/back\", \"source\": \"/srv\", \"options\": [\"bind\", \"ro\", \"rw\"]},"
  "{\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"/etc/hosts\", \"options\": [\"bind\"]},"
  "{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup2\", \"source\": \"cgroup\"}";

static void
test_plan (void)
{
  struct bw_error err = { 0 };
  struct landlock_plan plan;
  struct spec *s = parse ("", "true", typical_mounts);
  int ret = s ? landlock_plan (s, 7, &plan, &err) : -1;
  CHECK (ret == 0, "plan for a typical config", "%s", err.msg);
  if (ret == 0)
    {
      uint64_t write = plan.handled_fs & ~READ_RIGHTS;
      CHECK (plan.handled_fs & LANDLOCK_ACCESS_FS_REFER && plan.handled_fs & RIGHT_TRUNCATE
                 && plan.handled_fs & RIGHT_IOCTL_DEV,
             "ABI 7 handles refer, truncate and ioctl_dev", "handled %#llx",
             (unsigned long long) plan.handled_fs);
      CHECK (plan.scoped == SCOPES, "ABI 7 scopes signals and abstract sockets", "%#llx",
             (unsigned long long) plan.scoped);
      const struct landlock_rule *r = rule_for (&plan, "/");
      CHECK (r && r->access == READ_RIGHTS, "read-only rootfs: read and execute beneath /",
             "%#llx", r ? (unsigned long long) r->access : 0ULL);
      const char *writable[] = { "/proc", "/dev", "/tmp", "/data", "/back", "/etc/hosts" };
      for (size_t i = 0; i < sizeof writable / sizeof writable[0]; i++)
        {
          char name[80];
          snprintf (name, sizeof name, "%s is writable", writable[i]);
          r = rule_for (&plan, writable[i]);
          CHECK (r && r->access == write, name, "%#llx", r ? (unsigned long long) r->access : 0);
        }
      const char *readonly[] = { "/sys", "/ro", "/rro", "/sys/fs/cgroup" };
      for (size_t i = 0; i < sizeof readonly / sizeof readonly[0]; i++)
        {
          char name[80];
          snprintf (name, sizeof name, "%s gets no rule (read-only mount)", readonly[i]);
          CHECK (!rule_for (&plan, readonly[i]), name, "has a rule");
        }
      CHECK (plan.n_rules == 7, "one rule per writable place plus /", "%zu rules", plan.n_rules);
      landlock_plan_clear (&plan);
    }
  spec_free (s);

  /* Writable root; no /dev mount in the config: the runtime's tmpfs. */
  s = parse ("", "false", "{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"ro\"]}");
  ret = s ? landlock_plan (s, 7, &plan, &err) : -1;
  const struct landlock_rule *r = ret == 0 ? rule_for (&plan, "/") : NULL;
  CHECK (r && r->access == plan.handled_fs, "writable rootfs: every right beneath /", "%s",
         err.msg);
  r = ret == 0 ? rule_for (&plan, "/dev") : NULL;
  CHECK (r && r->access == (plan.handled_fs & ~READ_RIGHTS),
         "the runtime's /dev is writable", "%s", err.msg);
  CHECK (ret == 0 && !rule_for (&plan, "/tmp"), "a tmpfs with ro gets no rule", "has one");
  if (ret == 0)
    landlock_plan_clear (&plan);
  spec_free (s);

  /* Rights per ABI. */
  s = parse ("", NULL, "");
  ret = s ? landlock_plan (s, 2, &plan, &err) : -1;
  CHECK (ret == 0 && (plan.handled_fs & LANDLOCK_ACCESS_FS_REFER)
             && !(plan.handled_fs & (RIGHT_TRUNCATE | RIGHT_IOCTL_DEV)) && plan.scoped == 0,
         "ABI 2: refer, no truncate, no ioctl_dev, no scopes", "%#llx",
         (unsigned long long) plan.handled_fs);
  if (ret == 0)
    landlock_plan_clear (&plan);
  ret = s ? landlock_plan (s, 4, &plan, &err) : -1;
  CHECK (ret == 0 && (plan.handled_fs & RIGHT_TRUNCATE) && !(plan.handled_fs & RIGHT_IOCTL_DEV),
         "ABI 4: truncate, no ioctl_dev", "%#llx", (unsigned long long) plan.handled_fs);
  if (ret == 0)
    landlock_plan_clear (&plan);
  ret = s ? landlock_plan (s, 5, &plan, &err) : -1;
  CHECK (ret == 0 && (plan.handled_fs & RIGHT_IOCTL_DEV) && plan.scoped == 0,
         "ABI 5: ioctl_dev, no scopes", "%#llx", (unsigned long long) plan.scoped);
  if (ret == 0)
    landlock_plan_clear (&plan);
  ret = s ? landlock_plan (s, 6, &plan, &err) : -1;
  CHECK (ret == 0 && plan.scoped == SCOPES, "ABI 6: scopes", "%#llx",
         (unsigned long long) plan.scoped);
  if (ret == 0)
    landlock_plan_clear (&plan);
  ret = s ? landlock_plan (s, 1, &plan, &err) : -1;
  CHECK (ret == -EOPNOTSUPP && strstr (err.msg, "ABI is 1") && plan.n_rules == 0,
         "ABI 1 refused (no cross-directory renames)", "%s", err.msg);
  spec_free (s);

  /* A bad mount option is named by its index. */
  s = parse ("", NULL, "{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"bind\", \"size=1\"]}");
  ret = s ? landlock_plan (s, 7, &plan, &err) : -1;
  CHECK (ret == -EINVAL && strncmp (err.msg, "mounts[0]: ", 11) == 0, "bad mount options named",
         "%s", err.msg);
  spec_free (s);
}

static void
test_file_access (void)
{
  uint64_t all = ~0ULL;
  uint64_t f = landlock_file_access (all);
  CHECK (!(f & (LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_REG
                | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REFER)),
         "directory rights dropped for a file", "%#llx", (unsigned long long) f);
  CHECK ((f & (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE
               | LANDLOCK_ACCESS_FS_EXECUTE | RIGHT_TRUNCATE | RIGHT_IOCTL_DEV))
             == (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE
                 | LANDLOCK_ACCESS_FS_EXECUTE | RIGHT_TRUNCATE | RIGHT_IOCTL_DEV),
         "file rights kept for a file", "%#llx", (unsigned long long) f);
}

int
main (void)
{
  test_wanted ();
  test_plan ();
  test_file_access ();
  return UNIT_EXIT ();
}
