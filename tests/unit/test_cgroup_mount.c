/* The hierarchies a "cgroup" config mount shows (mount_cgroup_hierarchies):
 * read from a fake procfs directory holding self/cgroup and
 * self/mountinfo, for a hybrid host with comounted controllers, a pure v2
 * host, and a container cgroup outside the host's mount. No root needed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_mount.h"
#include "unit.h"

static char dir[] = "/tmp/bulwark-cgmount-XXXXXX";

static int
fake_proc (const char *cgroup, const char *mountinfo)
{
  char path[128];
  snprintf (path, sizeof path, "%s/self", dir);
  mkdir (path, 0755);
  snprintf (path, sizeof path, "%s/self/cgroup", dir);
  FILE *f = fopen (path, "w");
  fputs (cgroup, f);
  fclose (f);
  snprintf (path, sizeof path, "%s/self/mountinfo", dir);
  f = fopen (path, "w");
  fputs (mountinfo, f);
  fclose (f);
  return open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static const struct cgroup_hierarchy *
find (const struct cgroup_hierarchy *h, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (h[i].name && strcmp (h[i].name, name) == 0)
      return &h[i];
  return NULL;
}

#define MI_V1(id, dir, opts) \
  id " 31 0:" id " / /sys/fs/cgroup/" dir " rw,nosuid - cgroup cgroup rw," opts "\n"

int
main (void)
{
  if (!mkdtemp (dir))
    return 1;
  struct bw_error err = { 0 };
  struct cgroup_hierarchy *h = NULL;
  size_t n = 0;

  /* Hybrid: cpu and cpuacct comounted, a named systemd hierarchy, unified,
   * a hierarchy the host does not mount (rdma), one mounted elsewhere, and
   * the container's own mounts (not below /sys/fs/cgroup on the host). */
  int procfd = fake_proc ("12:rdma:/\n11:net_cls:/c1\n10:name=systemd:/c1\n4:memory:/c1\n"
                          "2:cpu,cpuacct:/c1\n1:pids:/c1\n0::/c1\n",
                          "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                          "31 23 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
                          MI_V1 ("32", "cpu,cpuacct", "cpu,cpuacct")
                          MI_V1 ("33", "memory", "memory")
                          MI_V1 ("34", "pids", "pids")
                          MI_V1 ("35", "systemd", "xattr,name=systemd")
                          "36 31 0:36 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                          "37 25 0:37 / /srv/net\\040cls rw - cgroup cgroup rw,net_cls\n"
                          "38 25 0:34 / /b/rootfs/sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
  int ret = mount_cgroup_hierarchies (procfd, false, &h, &n, &err);
  CHECK (ret == 0, "hybrid: read", "%s", err.msg);
  CHECK (n == 5, "hybrid: five hierarchies mounted below /sys/fs/cgroup", "n %zu", n);
  const struct cgroup_hierarchy *cpu = find (h, n, "cpu,cpuacct");
  CHECK (cpu && strcmp (cpu->controllers, "cpu,cpuacct") == 0 && !cpu->v2,
         "hybrid: comounted cpu,cpuacct named as the host's mount point", "%s",
         cpu ? cpu->controllers : "missing");
  CHECK_STREQ (cpu ? cpu->source : NULL, "/sys/fs/cgroup/cpu,cpuacct/c1",
               "hybrid: cpu,cpuacct source is the container's cgroup");
  const struct cgroup_hierarchy *sd = find (h, n, "systemd");
  CHECK_STREQ (sd ? sd->source : NULL, "/sys/fs/cgroup/systemd/c1",
               "hybrid: the named systemd hierarchy, matched among other options");
  const struct cgroup_hierarchy *uni = find (h, n, "unified");
  CHECK (uni && uni->v2, "hybrid: unified is the cgroup2 line", "%s", uni ? "v1" : "missing");
  CHECK_STREQ (uni ? uni->source : NULL, "/sys/fs/cgroup/unified/c1", "hybrid: unified source");
  CHECK_STREQ (find (h, n, "pids") ? find (h, n, "pids")->source : NULL, "/sys/fs/cgroup/pids/c1",
               "hybrid: pids from the host's mount, not a container's");
  CHECK (!find (h, n, "rdma") && !find (h, n, "net cls"),
         "hybrid: hierarchies not mounted below /sys/fs/cgroup are left out", "found one");
  mount_cgroup_hierarchies_free (h, n);
  close (procfd);

  /* v2 host: only the unified line counts. */
  procfd = fake_proc ("0::/system.slice/c2\n",
                      "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  ret = mount_cgroup_hierarchies (procfd, true, &h, &n, &err);
  CHECK (ret == 0 && n == 1 && h[0].v2, "v2: one unified hierarchy", "ret %d n %zu %s", ret, n,
         err.msg);
  CHECK_STREQ (n == 1 ? h[0].source : NULL, "/sys/fs/cgroup/system.slice/c2",
               "v2: source is the container's cgroup");
  mount_cgroup_hierarchies_free (h, n);
  close (procfd);

  /* The host mounted a subtree (root /a): a cgroup inside it maps below
   * the mount point, one outside it has no source. */
  procfd = fake_proc ("2:memory:/a/c3\n1:pids:/b/c3\n",
                      MI_V1 ("33", "memory", "memory")
                      MI_V1 ("34", "pids", "pids"));
  /* Rewrite the roots: memory's is /a, pids' is /a too. */
  char path[128];
  snprintf (path, sizeof path, "%s/self/mountinfo", dir);
  FILE *f = fopen (path, "w");
  fputs ("33 31 0:33 /a /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
         "34 31 0:34 /a /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n", f);
  fclose (f);
  ret = mount_cgroup_hierarchies (procfd, false, &h, &n, &err);
  CHECK (ret == 0 && n == 2, "subtree mounts: read", "ret %d n %zu", ret, n);
  CHECK_STREQ (find (h, n, "memory") ? find (h, n, "memory")->source : NULL,
               "/sys/fs/cgroup/memory/c3", "subtree mount: path taken relative to its root");
  CHECK (find (h, n, "pids") && !find (h, n, "pids")->source,
         "subtree mount: a cgroup outside it has no source", "%s",
         find (h, n, "pids") ? find (h, n, "pids")->source : "missing");
  mount_cgroup_hierarchies_free (h, n);
  close (procfd);

  /* A cgroup outside our cgroup namespace ("/..") never becomes a path
   * that climbs out of the host's mount point. */
  procfd = fake_proc ("1:pids:/../other\n", MI_V1 ("34", "pids", "pids"));
  ret = mount_cgroup_hierarchies (procfd, false, &h, &n, &err);
  CHECK (ret == 0 && n == 1 && !h[0].source, "a cgroup outside the namespace has no source",
         "ret %d n %zu source %s", ret, n, n == 1 && h[0].source ? h[0].source : "(none)");
  mount_cgroup_hierarchies_free (h, n);
  close (procfd);

  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  if (system (cmd) != 0)
    return 1;
  return UNIT_EXIT ();
}
