/* cgroup_apply: writing the mapped linux.resources into the container's
 * cgroup directories, with errors naming the field, the file and the
 * kernel's answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cleanup.h"

static int
dir_for (const struct cgroup_set *s, const struct cgroup_write *w, char **dir,
         struct bw_error *err)
{
  bool v2 = s->layout == CGROUP_LAYOUT_V2;
  int ret = cgroup_dir (s, v2 ? NULL : w->controller, dir);
  if (ret == -ENOENT)
    return bw_error_set (err, ENOTSUP, "%s: the %s controller is not mounted on this host",
                         w->field, v2 ? "cgroup2" : w->controller);
  return ret < 0 ? bw_error_set (err, -ret, "cgroup: out of memory") : 0;
}

static int
write_one (const char *dir, const struct cgroup_write *w, struct bw_error *err)
{
  const char *file = w->file;
  int ret = cgroup_write_file (dir, w->file, w->value);
  if (ret == -ENOENT && w->alt_file)
    {
      file = w->alt_file;
      ret = cgroup_write_file (dir, w->alt_file, w->alt_value);
    }
  if (ret == -ENOENT)
    return bw_error_set (err, ENOTSUP, "%s: %s does not exist (the kernel lacks it, or the "
                         "controller is not enabled for this cgroup)", w->field, file);
  if (ret < 0)
    return bw_error_set (err, -ret, "%s: write %s: %s", w->field, file, strerror (-ret));
  return 0;
}

/* memory.checkBeforeUpdate: a new limit below what is in use is refused
 * rather than sending the container into the OOM killer. */
static int
check_memory (const struct cgroup_set *s, const struct spec_resources *r, struct bw_error *err)
{
  const struct spec_memory *m = r->memory;
  if (!m || !m->check_before_update.value || !m->limit.set || m->limit.value <= 0)
    return 0;
  bool v2 = s->layout == CGROUP_LAYOUT_V2;
  _cleanup_free_ char *dir = NULL, *usage = NULL;
  if (cgroup_dir (s, v2 ? NULL : "memory", &dir) < 0
      || cgroup_read_file (dir, v2 ? "memory.current" : "memory.usage_in_bytes", &usage) < 0)
    return 0;
  int64_t used = strtoll (usage, NULL, 10);
  if (m->limit.value < used)
    return bw_error_set (err, EBUSY, "linux.resources.memory.limit: %" PRId64 " is below the "
                         "current usage (%" PRId64 ") and checkBeforeUpdate is set",
                         m->limit.value, used);
  return 0;
}

int
cgroup_apply (const struct cgroup_set *s, const struct spec_resources *r, bool update,
              struct bw_error *err)
{
  struct cgroup_writes ws = { 0 };
  bool v2 = s->layout == CGROUP_LAYOUT_V2;
  int ret = v2 ? cgroup_v2_writes (r, update, &ws, err) : cgroup_v1_writes (r, update, &ws, err);
  if (ret < 0)
    return ret;
  if (update && r)
    ret = check_memory (s, r, err);
  /* Limits that depend on each other (memory and memory+swap, quota and
   * period) may be refused in the order given: those get a second try once
   * the others are in. */
  _cleanup_free_ bool *retry = calloc (ws.n + 1, sizeof *retry);
  if (!retry && ret == 0)
    ret = bw_error_set (err, ENOMEM, "cgroup: out of memory");
  for (int pass = 0; ret == 0 && pass < 2; pass++)
    for (size_t i = 0; ret == 0 && i < ws.n; i++)
      {
        if (pass == 1 && !retry[i])
          continue;
        _cleanup_free_ char *dir = NULL;
        ret = dir_for (s, &ws.w[i], &dir, err);
        if (ret == 0)
          ret = write_one (dir, &ws.w[i], err);
        if (ret == -EINVAL && pass == 0)
          {
            retry[i] = true;
            bw_error_clear (err);
            ret = 0;
          }
      }
  cgroup_writes_clear (&ws);
  if (ret < 0 || update)
    return ret;

  /* Device rules: the devices hierarchy on v1, a BPF program on v2. */
  _cleanup_free_ char *dev_dir = NULL;
  ret = cgroup_dir (s, v2 ? NULL : "devices", &dev_dir);
  if (ret == -ENOENT)
    return 0;
  if (ret < 0)
    return bw_error_set (err, -ret, "cgroup: out of memory");
  return cgroup_devices_apply (r, v2, dev_dir, err);
}
