/* linux.sysctl: the namespaced keys runc allows, and their writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_ns.h"
#include "linux_sysctl.h"
#include "sys.h"

/* System V IPC limits the kernel keeps per ipc namespace. */
static const char *const ipc_keys[] = {
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
  "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool
has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

static bool
is_ipc_key (const char *key)
{
  for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return true;
  return has_prefix (key, "fs.mqueue.");
}

static bool
well_formed (const char *key)
{
  size_t len = strlen (key);
  /* Each dot becomes a path separator under /proc/sys: nothing may climb
   * out or name an absolute path. */
  return len > 0 && key[0] != '.' && key[len - 1] != '.' && !strstr (key, "..")
         && !strchr (key, '/');
}

int
sysctl_check_key (const char *key, const struct sysctl_namespaces *ns, struct bw_error *err)
{
  char quoted[160];
  bw_quote (key, 100, quoted, sizeof quoted);
  if (!well_formed (key))
    return bw_error_set (err, EINVAL, "linux.sysctl: invalid key %s", quoted);
  /* The namespace the key lives in, which the container must have, and
   * not the host's. */
  const char *needs = NULL, *ns_name = NULL;
  bool have = false, is_host = false;
  if (is_ipc_key (key))
    {
      needs = "an ipc namespace", ns_name = "ipc";
      have = ns->ipc, is_host = ns->ipc_is_host;
    }
  else if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    {
      needs = "a uts namespace", ns_name = "uts";
      have = ns->uts, is_host = ns->uts_is_host;
    }
  else if (has_prefix (key, "net."))
    {
      needs = "a network namespace of its own", ns_name = "network";
      have = ns->own_net, is_host = ns->net_is_host;
    }
  if (!needs)
    return bw_error_set (err, EINVAL,
                         "linux.sysctl: %s is not namespaced; the container cannot set it", quoted);
  if (is_host)
    return bw_error_set (err, EINVAL, "linux.sysctl: %s would change the host's %s namespace: "
                         "the %s namespace joined in linux.namespaces is the host's", quoted,
                         ns_name, ns_name);
  if (!have)
    return bw_error_set (err, EINVAL, "linux.sysctl: %s needs %s (add it to linux.namespaces)",
                         quoted, needs);
  return 0;
}

int
sysctl_validate (const struct spec *spec, struct bw_error *err)
{
  const struct spec_map *m = spec->linux ? &spec->linux->sysctl : NULL;
  if (!m || m->n == 0)
    return 0;
  struct sysctl_namespaces ns = {
    .ipc = spec_namespace_find (spec, SPEC_NS_IPC) != NULL,
    .uts = spec_namespace_find (spec, SPEC_NS_UTS) != NULL,
  };
  /* A joined namespace that is the runtime's own is the host's: setting
   * its sysctls would change the host. */
  int ret = ns_joins_host (spec, SPEC_NS_IPC, &ns.ipc_is_host, err);
  if (ret == 0)
    ret = ns_joins_host (spec, SPEC_NS_UTS, &ns.uts_is_host, err);
  if (ret == 0)
    ret = ns_joins_host (spec, SPEC_NS_NETWORK, &ns.net_is_host, err);
  if (ret < 0)
    return ret;
  ns.own_net = spec_namespace_find (spec, SPEC_NS_NETWORK) && !ns.net_is_host;
  for (size_t i = 0; i < m->n && ret == 0; i++)
    ret = sysctl_check_key (m->items[i].key, &ns, err);
  return ret;
}

int
sysctl_write (const struct spec *spec, int procfd, struct bw_error *err)
{
  const struct spec_map *m = spec->linux ? &spec->linux->sysctl : NULL;
  for (size_t i = 0; m && i < m->n; i++)
    {
      const char *key = m->items[i].key, *value = m->items[i].value;
      _cleanup_free_ char *path = NULL;
      /* Checked again here: this is where a bad key would do harm. */
      if (!well_formed (key))
        return bw_error_set (err, EINVAL, "linux.sysctl: invalid key \"%s\"", key);
      /* /proc/sys/kernel/{host,domain}name belong to the host's root even
       * in a user namespace: the syscalls only need the uts namespace. */
      size_t len = strlen (value);
      if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
        {
          int r = key[7] == 'h' ? sethostname (value, len) : setdomainname (value, len);
          if (r < 0)
            return bw_error_syscall (err, "linux.sysctl: %s: set \"%s\"", key, value);
          continue;
        }
      if (asprintf (&path, "sys/%s", key) < 0)
        return bw_error_set (err, ENOMEM, "out of memory");
      for (char *c = path; *c; c++)
        if (*c == '.')
          *c = '/';
      struct open_how how = { .flags = O_WRONLY | O_CLOEXEC,
                              .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
                                         | RESOLVE_NO_MAGICLINKS };
      _cleanup_close_ int fd = sys_openat2 (procfd, path, &how, sizeof how);
      if (fd < 0)
        return bw_error_syscall (err, "linux.sysctl: %s: open /proc/%s", key, path);
      if (write (fd, value, len) != (ssize_t) len)
        return bw_error_syscall (err, "linux.sysctl: %s: write \"%s\"", key, value);
    }
  return 0;
}
