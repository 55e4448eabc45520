/* features: the runtime-spec features document, listing only what this build
 * really does. Each list comes from the module that implements it. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#include "cmd.h"
#include "featureset.h"
#include "spec.h"

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

static void
gen_strv (yajl_gen g, const char *key, const char *const *v)
{
  gen_str (g, key);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    gen_str (g, *v);
  yajl_gen_array_close (g);
}

static void
gen_enabled (yajl_gen g, const char *key, bool enabled)
{
  gen_str (g, key);
  yajl_gen_map_open (g);
  gen_str (g, "enabled");
  yajl_gen_bool (g, enabled);
  yajl_gen_map_close (g);
}

static void
gen_capabilities (yajl_gen g)
{
  gen_str (g, "capabilities");
  yajl_gen_array_open (g);
  for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
    {
      char *name = cap_to_name (c);
      if (!name)
        continue;
      char upper[64];
      size_t i;
      for (i = 0; name[i] && i < sizeof upper - 1; i++)
        upper[i] = (char) (name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
      upper[i] = '\0';
      cap_free (name);
      gen_str (g, upper);
    }
  yajl_gen_array_close (g);
}

int
cmd_features (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const char *id = NULL;
  bool help = false;
  const struct cli_command *cmd = cli_find_command ("features");
  static const struct option none[] = { { NULL, 0, NULL, 0 } };
  int first = 0;
  (void) id;
  int ret = cli_parse_options (cmd, argc, argv, "", none, false, NULL, NULL, &first, &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 0, 0, err);
  if (ret < 0)
    return ret;

  struct features f;
  features_collect (&f);

  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "    ");
  yajl_gen_map_open (g);
  gen_str (g, "ociVersionMin");
  gen_str (g, "1.0.0");
  gen_str (g, "ociVersionMax");
  gen_str (g, "1.3.0");
  gen_strv (g, "hooks", f.hooks);
  gen_strv (g, "mountOptions", f.mount_options);

  gen_str (g, "linux");
  yajl_gen_map_open (g);
  gen_strv (g, "namespaces", f.namespaces);
  gen_capabilities (g);

  gen_str (g, "cgroup");
  yajl_gen_map_open (g);
  gen_str (g, "v1");
  yajl_gen_bool (g, f.cgroup_v1);
  gen_str (g, "v2");
  yajl_gen_bool (g, f.cgroup_v2);
  gen_str (g, "systemd");
  yajl_gen_bool (g, false);
  gen_str (g, "systemdUser");
  yajl_gen_bool (g, false);
  gen_str (g, "rdma");
  yajl_gen_bool (g, f.cgroup_rdma);
  yajl_gen_map_close (g);

  gen_str (g, "seccomp");
  yajl_gen_map_open (g);
  gen_str (g, "enabled");
  yajl_gen_bool (g, f.seccomp);
  if (f.seccomp)
    {
      gen_strv (g, "actions", f.seccomp_actions);
      gen_strv (g, "operators", f.seccomp_operators);
      gen_strv (g, "archs", f.seccomp_archs);
      gen_strv (g, "knownFlags", f.seccomp_flags);
      gen_strv (g, "supportedFlags", f.seccomp_flags);
    }
  yajl_gen_map_close (g);

  gen_enabled (g, "apparmor", f.apparmor);
  gen_enabled (g, "selinux", f.selinux);
  gen_enabled (g, "intelRdt", false);
  gen_str (g, "mountExtensions");
  yajl_gen_map_open (g);
  gen_enabled (g, "idmap", f.idmap_mounts);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g); /* linux */

  gen_str (g, "annotations");
  yajl_gen_map_open (g);
  gen_str (g, "org.opencontainers.runtime-spec.version");
  gen_str (g, "1.3.0");
  gen_str (g, "io.github.bulwark.version");
  gen_str (g, PACKAGE_VERSION);
  gen_str (g, "io.github.bulwark.cgroup.systemd");
  gen_str (g, "unsupported: no D-Bus client; use the cgroupfs manager");
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);

  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  putchar ('\n');
  yajl_gen_free (g);
  return 0;
}
