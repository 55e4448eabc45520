/* spec: write a config.json template whose defaults are already hardened:
 * a user namespace (container root maps to an unprivileged host range),
 * minimal capabilities, no_new_privs, a read-only root with small writable
 * tmpfs mounts, masked /proc and /sys paths, and resource limits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"

/* The default host range for container root until a policy allocates one
 * per container: unprivileged and outside the usual login-user ids. */
#define DEFAULT_HOST_ID 100000
#define DEFAULT_ID_RANGE 65536

static const char template_head[] =
  "{\n"
  "  \"ociVersion\": \"1.3.0\",\n"
  "  \"process\": {\n"
  "    \"terminal\": false,\n"
  "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
  "    \"args\": [ \"sh\" ],\n"
  "    \"env\": [\n"
  "      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
  "      \"TERM=xterm\"\n"
  "    ],\n"
  "    \"cwd\": \"/\",\n"
  "    \"capabilities\": {\n"
  "      \"bounding\": [ %1$s ],\n"
  "      \"effective\": [ %1$s ],\n"
  "      \"permitted\": [ %1$s ]\n"
  "    },\n"
  "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
  "    \"noNewPrivileges\": true\n"
  "  },\n"
  "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
  "  \"hostname\": \"bulwark\",\n"
  "  \"mounts\": [\n"
  "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
  "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
  "      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
  "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
  "      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%2$s ] },\n"
  "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
  "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
  "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
  "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
  "%3$s"
  "    { \"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
  "      \"options\": [ \"nosuid\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
  "    { \"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
  "      \"options\": [ \"nosuid\", \"nodev\", \"mode=755\", \"size=16384k\" ] },\n"
  "    { \"destination\": \"/var/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
  "      \"options\": [ \"nosuid\", \"nodev\", \"mode=1777\", \"size=65536k\" ] }\n"
  "  ],\n"
  "  \"linux\": {\n"
  "    \"uidMappings\": [ { \"containerID\": 0, \"hostID\": %4$u, \"size\": %5$u } ],\n"
  "    \"gidMappings\": [ { \"containerID\": 0, \"hostID\": %6$u, \"size\": %5$u } ],\n"
  "    \"namespaces\": [\n"
  "      { \"type\": \"pid\" },\n"
  "%7$s"
  "      { \"type\": \"ipc\" },\n"
  "      { \"type\": \"uts\" },\n"
  "      { \"type\": \"mount\" },\n"
  "      { \"type\": \"cgroup\" },\n"
  "      { \"type\": \"user\" }\n"
  "    ],\n"
  "%8$s"
  "    \"maskedPaths\": [\n"
  "      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
  "      \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
  "      \"/proc/sched_debug\", \"/proc/scsi\", \"/proc/kallsyms\", \"/proc/slabinfo\",\n"
  "      \"/proc/sysrq-trigger\", \"/sys/firmware\", \"/sys/devices/virtual/powercap\",\n"
  "      \"/sys/kernel/security\", \"/sys/kernel/debug\"\n"
  "    ],\n"
  "    \"readonlyPaths\": [\n"
  "      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\"\n"
  "    ]\n"
  "  }\n"
  "}\n";

static const char default_caps[] =
  "\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", \"CAP_KILL\", "
  "\"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETPCAP\", \"CAP_NET_BIND_SERVICE\"";

static const char sysfs_mount[] =
  "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
  "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n";

/* Without a network namespace of its own, sysfs can't be mounted in a user
 * namespace: an unprivileged caller gets a read-only bind of /sys. */
static const char sysfs_bind[] =
  "    { \"destination\": \"/sys\", \"type\": \"none\", \"source\": \"/sys\",\n"
  "      \"options\": [ \"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n";

static const char resources[] =
  "    \"resources\": {\n"
  "      \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ],\n"
  "      \"memory\": { \"limit\": 536870912 },\n"
  "      \"cpu\": { \"shares\": 1024, \"quota\": 100000, \"period\": 100000 },\n"
  "      \"pids\": { \"limit\": 1024 }\n"
  "    },\n";

static const struct option spec_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, 'R' },
  { NULL, 0, NULL, 0 },
};

struct spec_opts
{
  const char *bundle;
  bool rootless;
};

static int
on_option (int opt, const char *arg, void *data, struct bw_error *err)
{
  struct spec_opts *o = data;
  if (opt == 'b')
    o->bundle = arg;
  else if (opt == 'R')
    o->rootless = true;
  return 0;
}

int
cmd_spec (struct cli_ctx *ctx, int argc, char **argv, struct bw_error *err)
{
  const struct cli_command *cmd = cli_find_command ("spec");
  struct spec_opts o = { 0 };
  bool help = false;
  int first = 0;
  int ret = cli_parse_options (cmd, argc, argv, "b:", spec_options, false, on_option, &o, &first,
                               &help, err);
  if (ret < 0 || help)
    return ret;
  ret = cli_expect_operands (cmd->name, argc, argv, first, 0, 0, err);
  if (ret < 0)
    return ret;

  _cleanup_free_ char *text = NULL;
  /* Rootless: the caller's own ids are all it can map, one each; no network
   * namespace (it could not configure one) and no fixed gid for devpts. */
  if (o.rootless)
    ret = asprintf (&text, template_head, default_caps, "", sysfs_bind, (unsigned) getuid (), 1u,
                    (unsigned) getgid (), "", "");
  else
    ret = asprintf (&text, template_head, default_caps, ", \"gid=5\"", sysfs_mount,
                    (unsigned) DEFAULT_HOST_ID, (unsigned) DEFAULT_ID_RANGE,
                    (unsigned) DEFAULT_HOST_ID, "      { \"type\": \"network\" },\n", resources);
  if (ret < 0)
    return bw_error_set (err, ENOMEM, "out of memory");

  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/config.json", o.bundle ? o.bundle : ".") < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  /* As runc: never overwrite an existing config.json. */
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return bw_error_set (err, EEXIST, "spec: %s already exists; remove it first", path);
  if (fd < 0)
    return bw_error_syscall (err, "spec: open %s", path);
  size_t len = strlen (text);
  if (write (fd, text, len) != (ssize_t) len)
    {
      ret = bw_error_syscall (err, "spec: write %s", path);
      unlink (path);
      return ret;
    }
  return 0;
}
