/* cgroup: the host's layout, the container's place in it, and the
 * directories' life (create, enter, remove). The resource mapping is in
 * cgroup_v1.c / cgroup_v2.c, writing it in cgroup_apply.c, the freezer, pid
 * listing and kill-all in cgroup_ops.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cleanup.h"

/* The kernel's controllers; a v1 mount named otherwise (name=systemd) is a
 * named hierarchy the container does not need. */
static const char *const known_controllers[] = {
  "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
  "perf_event", "hugetlb", "pids", "rdma", "misc", NULL,
};

static bool
in_list (const char *const *list, const char *s)
{
  for (; list && *list; list++)
    if (strcmp (*list, s) == 0)
      return true;
  return false;
}

void
cgroup_set_clear (struct cgroup_set *s)
{
  for (size_t i = 0; i < s->n; i++)
    {
      free (s->h[i].mount);
      bw_strvfree (s->h[i].controllers);
      free (s->h[i].own);
      free (s->h[i].path);
    }
  free (s->h);
  s->h = NULL;
  s->n = 0;
}

static char **
split_commas (const char *s)
{
  size_t n = 1;
  for (const char *p = s; *p; p++)
    n += *p == ',';
  char **v = calloc (n + 1, sizeof *v);
  if (!v)
    return NULL;
  _cleanup_free_ char *copy = strdup (s);
  if (!copy)
    {
      free (v);
      return NULL;
    }
  size_t i = 0;
  char *save = NULL;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    if (!(v[i++] = strdup (t)))
      {
        bw_strvfree (v);
        return NULL;
      }
  return v;
}

static int
add_hier (struct cgroup_set *s, const char *mount, const char *controllers, bool unified)
{
  struct cgroup_hier *h = realloc (s->h, (s->n + 1) * sizeof *h);
  if (!h)
    return -ENOMEM;
  s->h = h;
  h = &s->h[s->n];
  *h = (struct cgroup_hier) { .unified = unified };
  h->mount = strdup (mount);
  h->controllers = split_commas (unified ? "" : controllers);
  if (!h->mount || !h->controllers)
    {
      free (h->mount);
      bw_strvfree (h->controllers);
      return -ENOMEM;
    }
  s->n++;
  return 0;
}

/* The runtime's own cgroup in hierarchy `h`, from /proc/self/cgroup lines
 * "ID:CONTROLLERS:PATH". */
static char *
own_cgroup (const struct cgroup_hier *h, const char *self)
{
  const char *line = self;
  while (line && *line)
    {
      const char *nl = strchrnul (line, '\n');
      const char *c1 = memchr (line, ':', nl - line);
      const char *c2 = c1 ? memchr (c1 + 1, ':', nl - c1 - 1) : NULL;
      if (c2)
        {
          _cleanup_free_ char *ctrls = strndup (c1 + 1, c2 - c1 - 1);
          bool match = false;
          if (ctrls && h->unified)
            match = *ctrls == '\0';
          else if (ctrls && *ctrls)
            {
              _cleanup_strv_ char **v = split_commas (ctrls);
              match = v && in_list ((const char *const *) v, h->controllers[0]);
            }
          if (match)
            return strndup (c2 + 1, nl - c2 - 1);
        }
      line = *nl ? nl + 1 : nl;
    }
  return strdup ("/");
}

static int
scan_v1 (const char *root, bool check_fs, struct cgroup_set *s, struct bw_error *err)
{
  DIR *d = opendir (root);
  if (!d)
    return bw_error_syscall (err, "opendir %s", root);
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (d)))
    {
      /* cpu -> cpu,cpuacct style links name a hierarchy found by its dir. */
      if (de->d_type != DT_DIR || de->d_name[0] == '.' || strcmp (de->d_name, "unified") == 0)
        continue;
      _cleanup_strv_ char **v = split_commas (de->d_name);
      if (!v)
        ret = -ENOMEM;
      if (ret < 0 || !v[0] || !in_list (known_controllers, v[0]))
        continue;
      _cleanup_free_ char *mount = NULL;
      if (asprintf (&mount, "%s/%s", root, de->d_name) < 0)
        {
          ret = -ENOMEM;
          break;
        }
      struct statfs sfs;
      if (check_fs && (statfs (mount, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC))
        continue;
      ret = add_hier (s, mount, de->d_name, false);
    }
  closedir (d);
  if (ret < 0)
    return bw_error_set (err, -ret, "cgroup: out of memory");
  if (s->n == 0)
    return bw_error_set (err, ENOENT, "cgroup: no v1 controller is mounted under %s", root);
  return 0;
}

int
cgroup_detect_layout (const char *root, enum cgroup_layout *out, struct bw_error *err)
{
  _cleanup_free_ char *unified = NULL;
  if (asprintf (&unified, "%s/unified", root) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  struct statfs sfs;
  if (statfs (root, &sfs) < 0)
    return bw_error_syscall (err, "cgroup: statfs %s", root);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    *out = CGROUP_LAYOUT_V2;
  else if (sfs.f_type != TMPFS_MAGIC)
    return bw_error_set (err, ENOTSUP, "cgroup: %s is neither cgroup2 nor a tmpfs of v1 "
                         "hierarchies", root);
  else
    *out = statfs (unified, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC
             ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
  return 0;
}

int
cgroup_detect (const char *root, const char *self_cgroup, int force, struct cgroup_set *out,
               struct bw_error *err)
{
  *out = (struct cgroup_set) { 0 };
  _cleanup_free_ char *self_buf = NULL;
  _cleanup_free_ char *unified = NULL;
  if (asprintf (&unified, "%s/unified", root) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  int ret = force >= 0 ? 0 : cgroup_detect_layout (root, &out->layout, err);
  if (ret < 0)
    return ret;
  if (force >= 0)
    out->layout = force;
  if (!self_cgroup)
    {
      size_t len;
      _cleanup_fclose_ FILE *f = fopen ("/proc/self/cgroup", "re");
      if (!f || getdelim (&self_buf, &len, '\0', f) < 0)
        return bw_error_syscall (err, "cgroup: read /proc/self/cgroup");
      self_cgroup = self_buf;
    }
  if (out->layout == CGROUP_LAYOUT_V2)
    ret = add_hier (out, root, "", true) < 0 ? bw_error_set (err, ENOMEM, "out of memory") : 0;
  else
    {
      ret = scan_v1 (root, force < 0, out, err);
      if (ret == 0 && out->layout == CGROUP_LAYOUT_HYBRID && add_hier (out, unified, "", true) < 0)
        ret = bw_error_set (err, ENOMEM, "out of memory");
    }
  for (size_t i = 0; ret == 0 && i < out->n; i++)
    if (!(out->h[i].own = own_cgroup (&out->h[i], self_cgroup)))
      ret = bw_error_set (err, ENOMEM, "out of memory");
  if (ret < 0)
    cgroup_set_clear (out);
  return ret;
}

/* "a" + "/" + "b" without doubled or trailing slashes. */
char *
cgroup_join (const char *base, const char *rel)
{
  char *out = NULL;
  while (*rel == '/')
    rel++;
  size_t bl = strlen (base);
  while (bl > 0 && base[bl - 1] == '/')
    bl--;
  if (asprintf (&out, "%.*s/%s", (int) bl, base, rel) < 0)
    return NULL;
  size_t l = strlen (out);
  while (l > 1 && out[l - 1] == '/')
    out[--l] = '\0';
  return out;
}

int
cgroup_place (struct cgroup_set *s, const char *cgroups_path, const char *id,
              struct bw_error *err)
{
  _cleanup_free_ char *dflt = NULL;
  const char *p = cgroups_path;
  if (p && *p)
    {
      /* ".." would climb out of the place the runtime chose; ';' is the
       * separator of the recorded form. */
      _cleanup_free_ char *copy = strdup (p);
      char *save = NULL;
      if (!copy)
        return bw_error_set (err, ENOMEM, "out of memory");
      for (char *t = strtok_r (copy, "/", &save); t; t = strtok_r (NULL, "/", &save))
        if (strcmp (t, "..") == 0 || strcmp (t, ".") == 0)
          return bw_error_set (err, EINVAL, "linux.cgroupsPath: \"%s\": must not contain . or ..",
                               p);
      if (strchr (p, ';') || strchr (p, '\n'))
        return bw_error_set (err, EINVAL, "linux.cgroupsPath: \"%s\": must not contain ';'", p);
      if (strspn (p, "/") == strlen (p))
        return bw_error_set (err, EINVAL, "linux.cgroupsPath: \"%s\": the root cgroup can't be "
                             "a container's", p);
    }
  else
    {
      if (asprintf (&dflt, "bulwark/%s", id) < 0)
        return bw_error_set (err, ENOMEM, "out of memory");
      p = dflt;
    }
  for (size_t i = 0; i < s->n; i++)
    {
      _cleanup_free_ char *base = strdup (*p == '/' ? "/" : s->h[i].own);
      if (!base)
        return bw_error_set (err, ENOMEM, "out of memory");
      /* v2: the runtime's own cgroup holds the runtime (a session scope, a
       * service), and the no-internal-processes rule then keeps memory, io,
       * hugetlb and rdma out of its children: nest under its parent, as
       * runc's fs2 does. */
      char *slash = strrchr (base, '/');
      if (*p != '/' && s->layout == CGROUP_LAYOUT_V2 && slash)
        *(slash == base ? slash + 1 : slash) = '\0';
      free (s->h[i].path);
      s->h[i].path = cgroup_join (base, p);
      if (!s->h[i].path)
        return bw_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

static char *
controllers_name (const struct cgroup_hier *h)
{
  size_t len = 1;
  for (char **c = h->controllers; *c; c++)
    len += strlen (*c) + 1;
  char *out = calloc (1, len);
  for (char **c = h->controllers; out && *c; c++)
    {
      if (c != h->controllers)
        strcat (out, ",");
      strcat (out, *c);
    }
  return out;
}

int
cgroup_format (const struct cgroup_set *s, char **out, struct bw_error *err)
{
  bool same = true;
  for (size_t i = 1; i < s->n; i++)
    same = same && strcmp (s->h[i].path, s->h[0].path) == 0;
  if (same && s->n > 0)
    *out = strdup (s->h[0].path);
  else
    {
      size_t size = 0;
      FILE *f = open_memstream (out, &size);
      if (!f)
        return bw_error_syscall (err, "open_memstream");
      for (size_t i = 0; i < s->n; i++)
        {
          _cleanup_free_ char *name = controllers_name (&s->h[i]);
          fprintf (f, "%s%s:%s", i ? ";" : "", name ? name : "?", s->h[i].path);
        }
      fclose (f);
    }
  return *out ? 0 : bw_error_set (err, ENOMEM, "out of memory");
}

int
cgroup_load (const char *root, int force, const char *recorded, struct cgroup_set *out,
             struct bw_error *err)
{
  int ret = cgroup_detect (root, "", force, out, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < out->n; i++)
    {
      struct cgroup_hier *h = &out->h[i];
      if (recorded[0] == '/')
        h->path = strdup (recorded);
      else
        {
          _cleanup_free_ char *name = controllers_name (h);
          size_t nl = name ? strlen (name) : 0;
          for (const char *e = recorded; name && e && *e; e = strchr (e, ';') ? strchr (e, ';') + 1 : NULL)
            if (strncmp (e, name, nl) == 0 && e[nl] == ':')
              {
                h->path = strndup (e + nl + 1, strchrnul (e, ';') - e - nl - 1);
                break;
              }
          if (!name)
            ret = -ENOMEM;
        }
      if (ret < 0 || (recorded[0] == '/' && !h->path))
        {
          cgroup_set_clear (out);
          return bw_error_set (err, ENOMEM, "out of memory");
        }
    }
  return 0;
}

int
cgroup_load_recorded (const char *id, const char *recorded, struct cgroup_set *out,
                      struct bw_error *err)
{
  *out = (struct cgroup_set) { 0 };
  if (!recorded || !*recorded)
    return bw_error_set (err, ENOTSUP, "container \"%s\" has no cgroup (created with "
                         "--cgroup-manager disabled)", id);
  return cgroup_load (CGROUP_ROOT, -1, recorded, out, err);
}

int
cgroup_dir (const struct cgroup_set *s, const char *controller, char **out)
{
  bool want_unified = !controller || !*controller;
  for (size_t i = 0; i < s->n; i++)
    {
      const struct cgroup_hier *h = &s->h[i];
      if (!h->path)
        continue;
      bool match = h->unified ? (want_unified || s->layout == CGROUP_LAYOUT_V2)
                              : (!want_unified && in_list ((const char *const *) h->controllers,
                                                           controller));
      if (match)
        return (*out = cgroup_join (h->mount, h->path)) ? 0 : -ENOMEM;
    }
  return -ENOENT;
}

int
cgroup_write_file (const char *dir, const char *file, const char *value)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return -ENOMEM;
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t len = strlen (value);
  ssize_t n = write (fd, value, len);
  if (n < 0)
    return -errno;
  return (size_t) n == len ? 0 : -EIO;
}

int
cgroup_read_file (const char *dir, const char *file, char **out)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return -ENOMEM;
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  if (!f)
    return -errno;
  size_t cap = 0;
  *out = NULL;
  if (getdelim (out, &cap, '\0', f) < 0)
    {
      free (*out);
      *out = strdup ("");
      return *out ? 0 : -ENOMEM;
    }
  return 0;
}

/* v1 cpuset: a new group starts with empty cpus and mems, and no task may
 * enter it until they are set: copy the parent's. */
static int
fill_cpuset (const char *dir, struct bw_error *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  _cleanup_free_ char *parent = strdup (dir);
  if (!parent)
    return bw_error_set (err, ENOMEM, "out of memory");
  *strrchr (parent, '/') = '\0';
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *cur = NULL, *up = NULL;
      if (cgroup_read_file (dir, files[i], &cur) < 0 || strspn (cur, " \n") != strlen (cur))
        continue;
      int ret = cgroup_read_file (parent, files[i], &up);
      if (ret == 0)
        ret = cgroup_write_file (dir, files[i], up);
      if (ret < 0)
        return bw_error_set (err, -ret, "cgroup: copy %s from the parent into %s: %s", files[i],
                             dir, strerror (-ret));
    }
  return 0;
}

/* v2: a child gets a controller only when every ancestor enables it in
 * cgroup.subtree_control. Each is tried alone: one the kernel refuses (an
 * ancestor with processes of its own) must not keep the others out. */
static void
enable_controllers (const char *dir)
{
  _cleanup_free_ char *avail = NULL;
  if (cgroup_read_file (dir, "cgroup.controllers", &avail) < 0)
    return;
  char *save = NULL;
  for (char *c = strtok_r (avail, " \n", &save); c; c = strtok_r (NULL, " \n", &save))
    {
      char buf[64];
      snprintf (buf, sizeof buf, "+%s", c);
      cgroup_write_file (dir, "cgroup.subtree_control", buf);
    }
}

/* v1 realtime group scheduling: a new group gets no realtime time at all,
 * and a child can't get more than its parent: new parents get the budget the
 * container asks for. */
static int
give_rt_budget (const char *dir, const struct spec_resources *r, struct bw_error *err)
{
  const struct spec_cpu *c = r && r->cpu ? r->cpu : NULL;
  if (!c || !c->realtime_runtime.set || c->realtime_runtime.value <= 0)
    return 0;
  char buf[32];
  int ret = 0;
  const char *file = "cpu.rt_period_us";
  if (c->realtime_period.set && c->realtime_period.value)
    {
      snprintf (buf, sizeof buf, "%llu", (unsigned long long) c->realtime_period.value);
      ret = cgroup_write_file (dir, file, buf);
    }
  if (ret == 0)
    {
      file = "cpu.rt_runtime_us";
      snprintf (buf, sizeof buf, "%lld", (long long) c->realtime_runtime.value);
      ret = cgroup_write_file (dir, file, buf);
    }
  if (ret < 0)
    return bw_error_set (err, -ret, "linux.resources.cpu.realtimeRuntime: write %s/%s: %s", dir,
                         file, strerror (-ret));
  return 0;
}

static int
make_one (const struct cgroup_set *s, const struct cgroup_hier *h, const struct spec_resources *r,
          struct bw_error *err)
{
  _cleanup_free_ char *full = cgroup_join (h->mount, h->path);
  if (!full)
    return bw_error_set (err, ENOMEM, "out of memory");
  bool cpuset = !h->unified && in_list ((const char *const *) h->controllers, "cpuset");
  bool cpu = !h->unified && in_list ((const char *const *) h->controllers, "cpu");
  bool v2 = s->layout == CGROUP_LAYOUT_V2;
  size_t base = strlen (h->mount);
  /* A concurrent delete may remove the shared bulwark/ parent between two
   * mkdirs: start over a few times. */
  for (int attempt = 0;; attempt++)
    {
      int ret = 0;
      for (char *p = full + base + 1;; p++)
        {
          if (*p != '/' && *p != '\0')
            continue;
          char saved = *p;
          *p = '\0';
          if (v2)
            {
              char *slash = strrchr (full, '/');
              *slash = '\0';
              enable_controllers (full);
              *slash = '/';
            }
          bool made = mkdir (full, 0755) == 0;
          if (!made && errno != EEXIST)
            ret = -errno;
          else if (cpuset)
            ret = fill_cpuset (full, err);
          if (ret == 0 && made && cpu && saved)
            ret = give_rt_budget (full, r, err);
          *p = saved;
          if (ret < 0 || !saved)
            break;
        }
      if (ret == -ENOENT && attempt < 20)
        continue;
      if (ret < 0 && !err->code)
        return bw_error_set (err, -ret, "cgroup: mkdir %s: %s", full, strerror (-ret));
      return ret;
    }
}

int
cgroup_check_unused (const struct cgroup_set *s, struct bw_error *err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (cgroup_pids (s, &pids, &n, err) < 0)
    bw_error_clear (err);   /* not there yet: unused */
  if (n == 0)
    return 0;
  return bw_error_set (err, EBUSY, "linux.cgroupsPath: cgroup %s already has %zu process(es) "
                       "(pid %d): another container's?", s->h[0].path, n, (int) pids[0]);
}

int
cgroup_create (const struct cgroup_set *s, const struct spec_resources *r, struct bw_error *err)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->h[i].path)
      {
        int ret = make_one (s, &s->h[i], r, err);
        if (ret < 0)
          return ret;
      }
  return 0;
}

int
cgroup_enter (const struct cgroup_set *s, pid_t pid, struct bw_error *err)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%d", (int) pid);
  for (size_t i = 0; i < s->n; i++)
    {
      if (!s->h[i].path)
        continue;
      _cleanup_free_ char *dir = cgroup_join (s->h[i].mount, s->h[i].path);
      if (!dir)
        return bw_error_set (err, ENOMEM, "out of memory");
      int ret = cgroup_write_file (dir, "cgroup.procs", buf);
      if (ret < 0)
        return bw_error_set (err, -ret, "cgroup: enter %s: %s", dir, strerror (-ret));
    }
  return 0;
}

/* Remove `dir` and its descendants (children first). */
static int
remove_tree (const char *dir)
{
  DIR *d = opendir (dir);
  if (!d)
    return errno == ENOENT ? 0 : -errno;
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)))
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      _cleanup_free_ char *child = NULL;
      int r = asprintf (&child, "%s/%s", dir, de->d_name) < 0 ? -ENOMEM : remove_tree (child);
      if (r < 0 && ret == 0)
        ret = r;
    }
  closedir (d);
  if (ret < 0)
    return ret;
  if (rmdir (dir) < 0 && errno != ENOENT)
    return -errno;
  return 0;
}

/* Every hierarchy is tried: one that fails must not leave the others'
 * directories behind. The first failure is the one reported. */
int
cgroup_destroy (const struct cgroup_set *s, struct bw_error *err)
{
  int first = 0;
  for (size_t i = 0; i < s->n; i++)
    {
      if (!s->h[i].path || strcmp (s->h[i].path, "/") == 0)
        continue;
      _cleanup_free_ char *dir = cgroup_join (s->h[i].mount, s->h[i].path);
      int ret = dir ? 0 : -ENOMEM;
      /* Processes that were just killed leave their cgroup a moment later:
       * rmdir says EBUSY until then. */
      for (int tries = 0; dir && (ret = remove_tree (dir)) == -EBUSY && tries < 500; tries++)
        nanosleep (&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
      if (ret < 0)
        {
          if (first == 0)
            first = bw_error_set (err, -ret, "cgroup: remove %s: %s", dir ? dir : s->h[i].path,
                                  strerror (-ret));
          continue;
        }
      /* The default parent, shared by containers: gone when the last goes. */
      char *slash = strrchr (dir, '/');
      *slash = '\0';
      slash = strrchr (dir, '/');
      if (slash && strcmp (slash + 1, "bulwark") == 0)
        rmdir (dir);
    }
  return first;
}
