/* spec: ownership of the model (free), lookups, name tables, and reading
 * config files. Parsing lives in spec_parse*.c, serializing in spec_write.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "json.h"
#include "spec.h"

/* Larger files are refused: no real config comes close, and the whole file
 * is held in memory twice while parsing. */
#define SPEC_FILE_MAX (16 * 1024 * 1024)

const char *const spec_hook_kind_names[SPEC_HOOK_KINDS] = {
  [SPEC_HOOK_PRESTART] = "prestart",
  [SPEC_HOOK_CREATE_RUNTIME] = "createRuntime",
  [SPEC_HOOK_CREATE_CONTAINER] = "createContainer",
  [SPEC_HOOK_START_CONTAINER] = "startContainer",
  [SPEC_HOOK_POSTSTART] = "poststart",
  [SPEC_HOOK_POSTSTOP] = "poststop",
};

const char *const spec_ns_type_names[SPEC_NS_TYPES] = {
  [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
  [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",         [SPEC_NS_USER] = "user",
  [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

static void
strv_free (struct spec_strv *s)
{
  bw_strvfree (s->v);
  s->v = NULL;
  s->n = 0;
}

static void
map_free (struct spec_map *m)
{
  for (size_t i = 0; i < m->n; i++)
    {
      free (m->items[i].key);
      free (m->items[i].value);
    }
  free (m->items);
}

static void
hook_list_free (struct spec_hook_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->items[i].path);
      strv_free (&l->items[i].args);
      strv_free (&l->items[i].env);
    }
  free (l->items);
}

void
spec_process_free (struct spec_process *p)
{
  if (!p)
    return;
  free (p->console_size);
  free (p->user.additional_gids);
  free (p->user.username);
  strv_free (&p->args);
  free (p->command_line);
  strv_free (&p->env);
  free (p->cwd);
  if (p->capabilities)
    {
      strv_free (&p->capabilities->bounding);
      strv_free (&p->capabilities->effective);
      strv_free (&p->capabilities->inheritable);
      strv_free (&p->capabilities->permitted);
      strv_free (&p->capabilities->ambient);
      free (p->capabilities);
    }
  for (size_t i = 0; i < p->n_rlimits; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  if (p->scheduler)
    {
      free (p->scheduler->policy);
      strv_free (&p->scheduler->flags);
      free (p->scheduler);
    }
  if (p->io_priority)
    {
      free (p->io_priority->class);
      free (p->io_priority);
    }
  if (p->exec_cpu_affinity)
    {
      free (p->exec_cpu_affinity->initial);
      free (p->exec_cpu_affinity->final);
      free (p->exec_cpu_affinity);
    }
  free (p);
}

void
spec_resources_free (struct spec_resources *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n_devices; i++)
    {
      free (r->devices[i].type);
      free (r->devices[i].access);
    }
  free (r->devices);
  free (r->memory);
  if (r->cpu)
    {
      free (r->cpu->cpus);
      free (r->cpu->mems);
      free (r->cpu);
    }
  free (r->pids);
  if (r->block_io)
    {
      free (r->block_io->weight_device);
      free (r->block_io->throttle_read_bps.items);
      free (r->block_io->throttle_write_bps.items);
      free (r->block_io->throttle_read_iops.items);
      free (r->block_io->throttle_write_iops.items);
      free (r->block_io);
    }
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  if (r->network)
    {
      for (size_t i = 0; i < r->network->n_priorities; i++)
        free (r->network->priorities[i].name);
      free (r->network->priorities);
      free (r->network);
    }
  for (size_t i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  map_free (&r->unified);
  free (r);
}

static void
seccomp_free (struct spec_seccomp *s)
{
  if (!s)
    return;
  free (s->default_action);
  strv_free (&s->architectures);
  strv_free (&s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      strv_free (&s->syscalls[i].names);
      free (s->syscalls[i].action);
      for (size_t j = 0; j < s->syscalls[i].n_args; j++)
        free (s->syscalls[i].args[j].op);
      free (s->syscalls[i].args);
    }
  free (s->syscalls);
  free (s);
}

static void
linux_free (struct spec_linux *l)
{
  if (!l)
    return;
  for (size_t i = 0; i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings.items);
  free (l->gid_mappings.items);
  for (size_t i = 0; i < l->n_time_offsets; i++)
    free (l->time_offsets[i].clock);
  free (l->time_offsets);
  for (size_t i = 0; i < l->n_devices; i++)
    {
      free (l->devices[i].type);
      free (l->devices[i].path);
    }
  free (l->devices);
  free (l->cgroups_path);
  spec_resources_free (l->resources);
  map_free (&l->sysctl);
  seccomp_free (l->seccomp);
  free (l->rootfs_propagation);
  strv_free (&l->masked_paths);
  strv_free (&l->readonly_paths);
  free (l->mount_label);
  if (l->personality)
    {
      free (l->personality->domain);
      strv_free (&l->personality->flags);
      free (l->personality);
    }
  free (l);
}

void
spec_free (struct spec *spec)
{
  if (!spec)
    return;
  free (spec->oci_version);
  if (spec->root)
    {
      free (spec->root->path);
      free (spec->root);
    }
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      struct spec_mount *m = &spec->mounts[i];
      free (m->destination);
      free (m->type);
      free (m->source);
      strv_free (&m->options);
      free (m->uid_mappings.items);
      free (m->gid_mappings.items);
    }
  free (spec->mounts);
  spec_process_free (spec->process);
  free (spec->hostname);
  free (spec->domainname);
  if (spec->hooks)
    {
      for (int k = 0; k < SPEC_HOOK_KINDS; k++)
        hook_list_free (&spec->hooks->kinds[k]);
      free (spec->hooks);
    }
  map_free (&spec->annotations);
  linux_free (spec->linux);
  strv_free (&spec->warnings);
  free (spec);
}

const char *
spec_annotation (const struct spec *spec, const char *key)
{
  if (!spec)
    return NULL;
  for (size_t i = 0; i < spec->annotations.n; i++)
    if (strcmp (spec->annotations.items[i].key, key) == 0)
      return spec->annotations.items[i].value;
  return NULL;
}

int
spec_annotation_bool (const struct spec *spec, const char *key, bool *out, struct bw_error *err)
{
  const char *v = spec_annotation (spec, key);
  *out = v && strcmp (v, "true") == 0;
  if (v && !*out && strcmp (v, "false") != 0)
    {
      char q[80];
      bw_quote (v, 32, q, sizeof q);
      return bw_error_set (err, EINVAL, "annotations.%s: unknown value %s (\"true\" or \"false\")",
                           key, q);
    }
  return 0;
}

int
spec_annotation_strv (const struct spec *spec, const char *key, char ***out, size_t *n,
                      struct bw_error *err)
{
  const char *v = spec_annotation (spec, key);
  *out = NULL;
  *n = 0;
  if (!v)
    return 0;
  yajl_val root = NULL;
  struct json_ctx c;
  json_ctx_init (&c, err);
  json_push_key (&c, "annotations");
  json_push_key (&c, key);
  int ret = json_parse (v, strlen (v), &root, err);
  if (ret < 0)
    return bw_error_prefix (err, "annotations.%s", key);
  ret = json_as_strv (&c, root, out, n);
  yajl_tree_free (root);
  return ret;
}

int
spec_strv_to_json (char *const *v, size_t n, char **out, struct bw_error *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);
  yajl_gen_status st = yajl_gen_array_open (g);
  for (size_t i = 0; i < n && st == yajl_gen_status_ok; i++)
    st = yajl_gen_string (g, (const unsigned char *) v[i], strlen (v[i]));
  if (st == yajl_gen_status_ok)
    st = yajl_gen_array_close (g);
  const unsigned char *buf = NULL;
  size_t len = 0;
  if (st == yajl_gen_status_ok)
    st = yajl_gen_get_buf (g, &buf, &len);
  int ret = 0;
  /* A string that is not UTF-8 is the only thing yajl refuses here. */
  if (st != yajl_gen_status_ok)
    ret = bw_error_set (err, EINVAL, "not a list of UTF-8 strings");
  else if (!(*out = strndup ((const char *) buf, len)))
    ret = bw_error_set (err, ENOMEM, "out of memory");
  yajl_gen_free (g);
  return ret;
}

bool
spec_path_normalize (const char *path, char *buf, size_t size)
{
  size_t len = 0;
  if (size < 2 || path[0] != '/')
    return false;
  buf[0] = '\0';
  for (const char *p = path; *p;)
    {
      while (*p == '/')
        p++;
      const char *end = strchrnul (p, '/');
      size_t n = (size_t) (end - p);
      if (n == 0 || (n == 1 && p[0] == '.'))
        ;
      else if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          /* ".." at the root stays at the root, as the kernel does. */
          while (len > 0 && buf[len - 1] != '/')
            len--;
          if (len > 0)
            len--;
          buf[len] = '\0';
        }
      else
        {
          if (len + 1 + n + 1 > size)
            return false;
          buf[len++] = '/';
          memcpy (buf + len, p, n);
          len += n;
          buf[len] = '\0';
        }
      p = end;
    }
  if (len == 0)
    strcpy (buf, "/");
  return true;
}

bool
spec_path_within (const char *a, const char *b)
{
  size_t n = strlen (b);
  if (strcmp (b, "/") == 0)
    return true;
  return strncmp (a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* Binding /var exposes /var/run/docker.sock: a source containing a denied
 * path is denied too. "/" denies only itself, else it would deny every
 * source. */
bool
spec_path_denied (const char *src, const char *deny)
{
  char d[4096];
  if (!spec_path_normalize (deny, d, sizeof d))
    return false;
  if (strcmp (d, "/") == 0)
    return strcmp (src, "/") == 0;
  return spec_path_within (src, d) || spec_path_within (d, src);
}

const struct spec_namespace *
spec_namespace_find (const struct spec *spec, enum spec_ns_type t)
{
  if (!spec || !spec->linux)
    return NULL;
  for (size_t i = 0; i < spec->linux->n_namespaces; i++)
    if (spec->linux->namespaces[i].type == t)
      return &spec->linux->namespaces[i];
  return NULL;
}

int
spec_read_file (const char *path, char **out, size_t *len, struct bw_error *err)
{
  /* O_NONBLOCK: a fifo planted as config.json must not hang the runtime. */
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return bw_error_syscall (err, "open %s", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return bw_error_syscall (err, "stat %s", path);
  if (S_ISDIR (st.st_mode))
    return bw_error_set (err, EISDIR, "read %s: Is a directory", path);
  if (!S_ISREG (st.st_mode))
    return bw_error_set (err, EINVAL, "%s: not a regular file", path);
  return spec_read_fd (fd, path, out, len, err);
}

int
spec_read_fd (int fd, const char *path, char **out, size_t *len, struct bw_error *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return bw_error_syscall (err, "stat %s", path);
  if (st.st_size > SPEC_FILE_MAX)
    return bw_error_set (err, EFBIG, "%s: file is larger than %d MiB", path,
                         SPEC_FILE_MAX / (1024 * 1024));
  /* st_size is only a hint (pipes and /proc files say 0, a file may grow):
   * read until EOF, refusing to go past the limit. */
  size_t cap = (size_t) st.st_size + 1;
  _cleanup_free_ char *buf = malloc (cap + 1);
  if (!buf)
    return bw_error_set (err, ENOMEM, "%s: out of memory", path);
  size_t used = 0;
  for (;;)
    {
      if (used == cap)
        {
          if (cap > SPEC_FILE_MAX)
            return bw_error_set (err, EFBIG, "%s: file is larger than %d MiB", path,
                                 SPEC_FILE_MAX / (1024 * 1024));
          size_t bigger = cap * 2 > SPEC_FILE_MAX + 1 ? SPEC_FILE_MAX + 1 : cap * 2;
          char *grown = realloc (buf, bigger + 1);
          if (!grown)
            return bw_error_set (err, ENOMEM, "%s: out of memory", path);
          buf = grown;
          cap = bigger;
        }
      ssize_t n = read (fd, buf + used, cap - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return bw_error_syscall (err, "read %s", path);
      if (n == 0)
        break;
      used += (size_t) n;
    }
  buf[used] = '\0';
  *out = bw_steal_ptr (buf);
  *len = used;
  return 0;
}

int
spec_load_config (const char *path, const char *display_name, struct spec **out,
                  struct bw_error *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  int r = spec_read_file (path, &text, &len, err);
  if (r < 0)
    return r;
  r = spec_parse_config (text, len, out, err);
  if (r < 0)
    return bw_error_prefix (err, "%s", display_name ? display_name : path);
  return 0;
}
