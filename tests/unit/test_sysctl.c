/* linux.sysctl key checks: well-formed names, and only keys the kernel
 * keeps per namespace, when the container has that namespace. */
#include <errno.h>
#include <string.h>

#include "linux_sysctl.h"
#include "unit.h"

static const struct sysctl_namespaces all = { .ipc = true, .uts = true, .own_net = true };
static const struct sysctl_namespaces none = { 0 };

static int
check (const char *key, const struct sysctl_namespaces *ns, struct bw_error *err)
{
  memset (err, 0, sizeof *err);
  return sysctl_check_key (key, ns, err);
}

int
main (void)
{
  struct bw_error err;
  static const char *const allowed[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "fs.mqueue.msg_max",
    "fs.mqueue.queues_max", "net.ipv4.ip_forward", "net.core.somaxconn", "kernel.hostname",
    "kernel.domainname",
  };
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "namespaced key %s is allowed", allowed[i]);
      CHECK (check (allowed[i], &all, &err) == 0, name, "%s", err.msg);
    }

  int ret = check ("vm.swappiness", &all, &err);
  CHECK (ret == -EINVAL, "vm.swappiness refused", "ret %d", ret);
  CHECK_STREQ (err.msg, "linux.sysctl: \"vm.swappiness\" is not namespaced; the container cannot "
               "set it", "vm.swappiness message names the key");
  static const char *const host_wide[] = {
    "kernel.pid_max", "kernel.shm_next_id_x", "kernel", "fs.file-max", "fs.mqueue", "net",
    "kernel.hostnamex", "kernel.msgmax.x", "kernel.core_pattern", "user.max_user_namespaces",
  };
  for (size_t i = 0; i < sizeof host_wide / sizeof host_wide[0]; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "host-wide key %s is refused", host_wide[i]);
      ret = check (host_wide[i], &all, &err);
      CHECK (ret == -EINVAL && strstr (err.msg, "is not namespaced"), name, "ret %d: %s", ret,
             err.msg);
    }

  ret = check ("kernel.shmmax", &none, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "\"kernel.shmmax\" needs an ipc namespace"),
         "ipc key without an ipc namespace", "ret %d: %s", ret, err.msg);
  ret = check ("fs.mqueue.msg_max", &none, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "needs an ipc namespace"),
         "mqueue key without an ipc namespace", "ret %d: %s", ret, err.msg);
  ret = check ("kernel.hostname", &none, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "needs a uts namespace"),
         "kernel.hostname without a uts namespace", "ret %d: %s", ret, err.msg);
  ret = check ("net.ipv4.ip_forward", &none, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "needs a network namespace of its own"),
         "net key without a network namespace", "ret %d: %s", ret, err.msg);
  struct sysctl_namespaces host_net = { .ipc = true, .uts = true, .net_is_host = true };
  ret = check ("net.ipv4.ip_forward", &host_net, &err);
  CHECK (ret == -EINVAL && strstr (err.msg, "host's"), "net key with the host's netns joined",
         "ret %d: %s", ret, err.msg);
  struct sysctl_namespaces only_ipc = { .ipc = true };
  CHECK (check ("kernel.sem", &only_ipc, &err) == 0, "ipc key needs only the ipc namespace", "%s",
         err.msg);

  static const char *const malformed[] = {
    "", ".", "kernel/../../../etc/x", "net.ipv4/../../../x", "../../sys/kernel/x",
    "kernel..hostname", "/proc/sys/kernel/hostname", ".net.ipv4.ip_forward", "net.ipv4.",
    "net/ipv4/ip_forward",
  };
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
    {
      char name[96];
      snprintf (name, sizeof name, "malformed key \"%s\" is an invalid key", malformed[i]);
      ret = check (malformed[i], &all, &err);
      CHECK (ret == -EINVAL && strncmp (err.msg, "linux.sysctl: invalid key ", 26) == 0, name,
             "ret %d: %s", ret, err.msg);
    }
  ret = check ("net.\x1b[31m", &all, &err);
  CHECK (ret == -EINVAL || ret == 0, "control characters do not crash", "ret %d", ret);
  check ("vm.\x1b[2J", &all, &err);
  CHECK (!strchr (err.msg, '\x1b'), "control characters are quoted in the message", "%s", err.msg);
  return UNIT_EXIT ();
}
