/* spec_write: the model back to JSON with yajl_gen. Only fields that were
 * set are written, under their runtime-spec names, so that parsing the
 * output gives the same model again. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "spec.h"

struct writer
{
  yajl_gen g;
  yajl_gen_status status;  /* first failure, yajl_gen_status_ok until then */
};

static void
check (struct writer *w, yajl_gen_status st)
{
  if (w->status == yajl_gen_status_ok)
    w->status = st;
}

static void
raw_string (struct writer *w, const char *s)
{
  check (w, yajl_gen_string (w->g, (const unsigned char *) s, strlen (s)));
}

static void
key (struct writer *w, const char *k)
{
  raw_string (w, k);
}

static void
begin_object (struct writer *w, const char *k)
{
  if (k)
    key (w, k);
  check (w, yajl_gen_map_open (w->g));
}

static void
end_object (struct writer *w)
{
  check (w, yajl_gen_map_close (w->g));
}

static void
begin_array (struct writer *w, const char *k)
{
  key (w, k);
  check (w, yajl_gen_array_open (w->g));
}

static void
end_array (struct writer *w)
{
  check (w, yajl_gen_array_close (w->g));
}

static void
u64_value (struct writer *w, uint64_t v)
{
  /* yajl_gen_integer takes a long long; the full uint64 range needs text. */
  char num[32];
  int n = snprintf (num, sizeof num, "%" PRIu64, v);
  check (w, yajl_gen_number (w->g, num, (size_t) n));
}

static void
put_string (struct writer *w, const char *k, const char *v)
{
  if (!v)
    return;
  key (w, k);
  raw_string (w, v);
}

static void
put_bool (struct writer *w, const char *k, bool v)
{
  key (w, k);
  check (w, yajl_gen_bool (w->g, v));
}

static void
put_i64 (struct writer *w, const char *k, int64_t v)
{
  key (w, k);
  check (w, yajl_gen_integer (w->g, v));
}

static void
put_u64 (struct writer *w, const char *k, uint64_t v)
{
  key (w, k);
  u64_value (w, v);
}

static void
opt_bool_field (struct writer *w, const char *k, opt_bool v)
{
  if (v.set)
    put_bool (w, k, v.value);
}

static void
opt_i32_field (struct writer *w, const char *k, opt_i32 v)
{
  if (v.set)
    put_i64 (w, k, v.value);
}

static void
opt_u32_field (struct writer *w, const char *k, opt_u32 v)
{
  if (v.set)
    put_u64 (w, k, v.value);
}

static void
opt_i64_field (struct writer *w, const char *k, opt_i64 v)
{
  if (v.set)
    put_i64 (w, k, v.value);
}

static void
opt_u64_field (struct writer *w, const char *k, opt_u64 v)
{
  if (v.set)
    put_u64 (w, k, v.value);
}

static void
strv_field (struct writer *w, const char *k, const struct spec_strv *s)
{
  if (!s->v)
    return;
  begin_array (w, k);
  for (size_t i = 0; i < s->n; i++)
    raw_string (w, s->v[i]);
  end_array (w);
}

static void
map_field (struct writer *w, const char *k, const struct spec_map *m)
{
  if (!m->set)
    return;
  begin_object (w, k);
  for (size_t i = 0; i < m->n; i++)
    put_string (w, m->items[i].key, m->items[i].value);
  end_object (w);
}

static void
id_mappings_field (struct writer *w, const char *k, const struct spec_id_mappings *m)
{
  if (!m->set)
    return;
  begin_array (w, k);
  for (size_t i = 0; i < m->n; i++)
    {
      begin_object (w, NULL);
      put_u64 (w, "containerID", m->items[i].container_id);
      put_u64 (w, "hostID", m->items[i].host_id);
      put_u64 (w, "size", m->items[i].size);
      end_object (w);
    }
  end_array (w);
}

/* ------------------------------------------------------------- process */

static void
write_process_body (struct writer *w, const struct spec_process *p)
{
  opt_bool_field (w, "terminal", p->terminal);
  if (p->console_size)
    {
      begin_object (w, "consoleSize");
      put_u64 (w, "height", p->console_size->height);
      put_u64 (w, "width", p->console_size->width);
      end_object (w);
    }
  begin_object (w, "user");
  put_u64 (w, "uid", p->user.uid);
  put_u64 (w, "gid", p->user.gid);
  opt_u32_field (w, "umask", p->user.umask);
  if (p->user.additional_gids_set)
    {
      begin_array (w, "additionalGids");
      for (size_t i = 0; i < p->user.n_additional_gids; i++)
        u64_value (w, p->user.additional_gids[i]);
      end_array (w);
    }
  put_string (w, "username", p->user.username);
  end_object (w);
  strv_field (w, "args", &p->args);
  put_string (w, "commandLine", p->command_line);
  strv_field (w, "env", &p->env);
  put_string (w, "cwd", p->cwd);
  if (p->capabilities)
    {
      begin_object (w, "capabilities");
      strv_field (w, "bounding", &p->capabilities->bounding);
      strv_field (w, "effective", &p->capabilities->effective);
      strv_field (w, "inheritable", &p->capabilities->inheritable);
      strv_field (w, "permitted", &p->capabilities->permitted);
      strv_field (w, "ambient", &p->capabilities->ambient);
      end_object (w);
    }
  if (p->rlimits_set)
    {
      begin_array (w, "rlimits");
      for (size_t i = 0; i < p->n_rlimits; i++)
        {
          begin_object (w, NULL);
          put_string (w, "type", p->rlimits[i].type);
          put_u64 (w, "hard", p->rlimits[i].hard);
          put_u64 (w, "soft", p->rlimits[i].soft);
          end_object (w);
        }
      end_array (w);
    }
  opt_bool_field (w, "noNewPrivileges", p->no_new_privileges);
  put_string (w, "apparmorProfile", p->apparmor_profile);
  put_string (w, "selinuxLabel", p->selinux_label);
  opt_i32_field (w, "oomScoreAdj", p->oom_score_adj);
  if (p->scheduler)
    {
      const struct spec_scheduler *s = p->scheduler;
      begin_object (w, "scheduler");
      put_string (w, "policy", s->policy);
      opt_i32_field (w, "nice", s->nice);
      opt_i32_field (w, "priority", s->priority);
      strv_field (w, "flags", &s->flags);
      opt_u64_field (w, "runtime", s->runtime);
      opt_u64_field (w, "deadline", s->deadline);
      opt_u64_field (w, "period", s->period);
      end_object (w);
    }
  if (p->io_priority)
    {
      begin_object (w, "ioPriority");
      put_string (w, "class", p->io_priority->class);
      put_i64 (w, "priority", p->io_priority->priority);
      end_object (w);
    }
  if (p->exec_cpu_affinity)
    {
      begin_object (w, "execCPUAffinity");
      put_string (w, "initial", p->exec_cpu_affinity->initial);
      put_string (w, "final", p->exec_cpu_affinity->final);
      end_object (w);
    }
}

/* ------------------------------------------------------------- resources */

static void
throttle_field (struct writer *w, const char *k, const struct spec_throttle_list *l)
{
  if (!l->set)
    return;
  begin_array (w, k);
  for (size_t i = 0; i < l->n; i++)
    {
      begin_object (w, NULL);
      put_i64 (w, "major", l->items[i].major);
      put_i64 (w, "minor", l->items[i].minor);
      put_u64 (w, "rate", l->items[i].rate);
      end_object (w);
    }
  end_array (w);
}

static void
write_block_io (struct writer *w, const struct spec_block_io *b)
{
  begin_object (w, "blockIO");
  opt_u32_field (w, "weight", b->weight);
  opt_u32_field (w, "leafWeight", b->leaf_weight);
  if (b->weight_device_set)
    {
      begin_array (w, "weightDevice");
      for (size_t i = 0; i < b->n_weight_device; i++)
        {
          begin_object (w, NULL);
          put_i64 (w, "major", b->weight_device[i].major);
          put_i64 (w, "minor", b->weight_device[i].minor);
          opt_u32_field (w, "weight", b->weight_device[i].weight);
          opt_u32_field (w, "leafWeight", b->weight_device[i].leaf_weight);
          end_object (w);
        }
      end_array (w);
    }
  throttle_field (w, "throttleReadBpsDevice", &b->throttle_read_bps);
  throttle_field (w, "throttleWriteBpsDevice", &b->throttle_write_bps);
  throttle_field (w, "throttleReadIOPSDevice", &b->throttle_read_iops);
  throttle_field (w, "throttleWriteIOPSDevice", &b->throttle_write_iops);
  end_object (w);
}

static void
write_resources_body (struct writer *w, const struct spec_resources *r)
{
  if (r->devices_set)
    {
      begin_array (w, "devices");
      for (size_t i = 0; i < r->n_devices; i++)
        {
          const struct spec_device_cgroup *d = &r->devices[i];
          begin_object (w, NULL);
          put_bool (w, "allow", d->allow);
          put_string (w, "type", d->type);
          opt_i64_field (w, "major", d->major);
          opt_i64_field (w, "minor", d->minor);
          put_string (w, "access", d->access);
          end_object (w);
        }
      end_array (w);
    }
  if (r->memory)
    {
      const struct spec_memory *m = r->memory;
      begin_object (w, "memory");
      opt_i64_field (w, "limit", m->limit);
      opt_i64_field (w, "reservation", m->reservation);
      opt_i64_field (w, "swap", m->swap);
      opt_i64_field (w, "kernel", m->kernel);
      opt_i64_field (w, "kernelTCP", m->kernel_tcp);
      opt_u64_field (w, "swappiness", m->swappiness);
      opt_bool_field (w, "disableOOMKiller", m->disable_oom_killer);
      opt_bool_field (w, "useHierarchy", m->use_hierarchy);
      opt_bool_field (w, "checkBeforeUpdate", m->check_before_update);
      end_object (w);
    }
  if (r->cpu)
    {
      const struct spec_cpu *c = r->cpu;
      begin_object (w, "cpu");
      opt_u64_field (w, "shares", c->shares);
      opt_i64_field (w, "quota", c->quota);
      opt_u64_field (w, "burst", c->burst);
      opt_u64_field (w, "period", c->period);
      opt_i64_field (w, "realtimeRuntime", c->realtime_runtime);
      opt_u64_field (w, "realtimePeriod", c->realtime_period);
      put_string (w, "cpus", c->cpus);
      put_string (w, "mems", c->mems);
      opt_i64_field (w, "idle", c->idle);
      end_object (w);
    }
  if (r->pids)
    {
      begin_object (w, "pids");
      opt_i64_field (w, "limit", r->pids->limit);
      end_object (w);
    }
  if (r->block_io)
    write_block_io (w, r->block_io);
  if (r->hugepage_limits_set)
    {
      begin_array (w, "hugepageLimits");
      for (size_t i = 0; i < r->n_hugepage_limits; i++)
        {
          begin_object (w, NULL);
          put_string (w, "pageSize", r->hugepage_limits[i].page_size);
          put_u64 (w, "limit", r->hugepage_limits[i].limit);
          end_object (w);
        }
      end_array (w);
    }
  if (r->network)
    {
      begin_object (w, "network");
      opt_u32_field (w, "classID", r->network->class_id);
      if (r->network->priorities_set)
        {
          begin_array (w, "priorities");
          for (size_t i = 0; i < r->network->n_priorities; i++)
            {
              begin_object (w, NULL);
              put_string (w, "name", r->network->priorities[i].name);
              put_u64 (w, "priority", r->network->priorities[i].priority);
              end_object (w);
            }
          end_array (w);
        }
      end_object (w);
    }
  if (r->rdma_set)
    {
      begin_object (w, "rdma");
      for (size_t i = 0; i < r->n_rdma; i++)
        {
          begin_object (w, r->rdma[i].device);
          opt_u32_field (w, "hcaHandles", r->rdma[i].hca_handles);
          opt_u32_field (w, "hcaObjects", r->rdma[i].hca_objects);
          end_object (w);
        }
      end_object (w);
    }
  map_field (w, "unified", &r->unified);
}

/* ------------------------------------------------------------- linux */

static void
write_seccomp (struct writer *w, const struct spec_seccomp *s)
{
  begin_object (w, "seccomp");
  put_string (w, "defaultAction", s->default_action);
  opt_u32_field (w, "defaultErrnoRet", s->default_errno_ret);
  strv_field (w, "architectures", &s->architectures);
  strv_field (w, "flags", &s->flags);
  put_string (w, "listenerPath", s->listener_path);
  put_string (w, "listenerMetadata", s->listener_metadata);
  if (s->syscalls_set)
    {
      begin_array (w, "syscalls");
      for (size_t i = 0; i < s->n_syscalls; i++)
        {
          const struct spec_seccomp_syscall *sc = &s->syscalls[i];
          begin_object (w, NULL);
          strv_field (w, "names", &sc->names);
          put_string (w, "action", sc->action);
          opt_u32_field (w, "errnoRet", sc->errno_ret);
          if (sc->args_set)
            {
              begin_array (w, "args");
              for (size_t j = 0; j < sc->n_args; j++)
                {
                  begin_object (w, NULL);
                  put_u64 (w, "index", sc->args[j].index);
                  put_u64 (w, "value", sc->args[j].value);
                  opt_u64_field (w, "valueTwo", sc->args[j].value_two);
                  put_string (w, "op", sc->args[j].op);
                  end_object (w);
                }
              end_array (w);
            }
          end_object (w);
        }
      end_array (w);
    }
  end_object (w);
}

static void
write_linux (struct writer *w, const struct spec_linux *l)
{
  begin_object (w, "linux");
  if (l->namespaces_set)
    {
      begin_array (w, "namespaces");
      for (size_t i = 0; i < l->n_namespaces; i++)
        {
          begin_object (w, NULL);
          if ((unsigned) l->namespaces[i].type < SPEC_NS_TYPES)
            put_string (w, "type", spec_ns_type_names[l->namespaces[i].type]);
          put_string (w, "path", l->namespaces[i].path);
          end_object (w);
        }
      end_array (w);
    }
  id_mappings_field (w, "uidMappings", &l->uid_mappings);
  id_mappings_field (w, "gidMappings", &l->gid_mappings);
  if (l->time_offsets_set)
    {
      begin_object (w, "timeOffsets");
      for (size_t i = 0; i < l->n_time_offsets; i++)
        {
          begin_object (w, l->time_offsets[i].clock);
          put_i64 (w, "secs", l->time_offsets[i].secs);
          put_u64 (w, "nanosecs", l->time_offsets[i].nanosecs);
          end_object (w);
        }
      end_object (w);
    }
  if (l->devices_set)
    {
      begin_array (w, "devices");
      for (size_t i = 0; i < l->n_devices; i++)
        {
          const struct spec_device *d = &l->devices[i];
          begin_object (w, NULL);
          put_string (w, "type", d->type);
          put_string (w, "path", d->path);
          if (d->major_set)
            put_i64 (w, "major", d->major);
          if (d->minor_set)
            put_i64 (w, "minor", d->minor);
          opt_u32_field (w, "fileMode", d->file_mode);
          opt_u32_field (w, "uid", d->uid);
          opt_u32_field (w, "gid", d->gid);
          end_object (w);
        }
      end_array (w);
    }
  put_string (w, "cgroupsPath", l->cgroups_path);
  if (l->resources)
    {
      begin_object (w, "resources");
      write_resources_body (w, l->resources);
      end_object (w);
    }
  if (l->intel_rdt_set)
    {
      begin_object (w, "intelRdt");
      end_object (w);
    }
  map_field (w, "sysctl", &l->sysctl);
  if (l->seccomp)
    write_seccomp (w, l->seccomp);
  put_string (w, "rootfsPropagation", l->rootfs_propagation);
  strv_field (w, "maskedPaths", &l->masked_paths);
  strv_field (w, "readonlyPaths", &l->readonly_paths);
  put_string (w, "mountLabel", l->mount_label);
  if (l->personality)
    {
      begin_object (w, "personality");
      put_string (w, "domain", l->personality->domain);
      strv_field (w, "flags", &l->personality->flags);
      end_object (w);
    }
  end_object (w);
}

/* ------------------------------------------------------------- config */

static void
write_hooks (struct writer *w, const struct spec_hooks *hooks)
{
  begin_object (w, "hooks");
  for (int k = 0; k < SPEC_HOOK_KINDS; k++)
    {
      const struct spec_hook_list *l = &hooks->kinds[k];
      if (!l->set)
        continue;
      begin_array (w, spec_hook_kind_names[k]);
      for (size_t i = 0; i < l->n; i++)
        {
          begin_object (w, NULL);
          put_string (w, "path", l->items[i].path);
          strv_field (w, "args", &l->items[i].args);
          strv_field (w, "env", &l->items[i].env);
          opt_i32_field (w, "timeout", l->items[i].timeout);
          end_object (w);
        }
      end_array (w);
    }
  end_object (w);
}

static void
write_config (struct writer *w, const struct spec *s)
{
  begin_object (w, NULL);
  put_string (w, "ociVersion", s->oci_version);
  if (s->root)
    {
      begin_object (w, "root");
      put_string (w, "path", s->root->path);
      opt_bool_field (w, "readonly", s->root->readonly);
      end_object (w);
    }
  if (s->mounts_set)
    {
      begin_array (w, "mounts");
      for (size_t i = 0; i < s->n_mounts; i++)
        {
          const struct spec_mount *m = &s->mounts[i];
          begin_object (w, NULL);
          put_string (w, "destination", m->destination);
          put_string (w, "type", m->type);
          put_string (w, "source", m->source);
          strv_field (w, "options", &m->options);
          id_mappings_field (w, "uidMappings", &m->uid_mappings);
          id_mappings_field (w, "gidMappings", &m->gid_mappings);
          end_object (w);
        }
      end_array (w);
    }
  if (s->process)
    {
      begin_object (w, "process");
      write_process_body (w, s->process);
      end_object (w);
    }
  put_string (w, "hostname", s->hostname);
  put_string (w, "domainname", s->domainname);
  if (s->hooks)
    write_hooks (w, s->hooks);
  map_field (w, "annotations", &s->annotations);
  if (s->linux)
    write_linux (w, s->linux);
  end_object (w);
}

enum doc_kind { DOC_CONFIG, DOC_PROCESS, DOC_RESOURCES };

static int
generate (enum doc_kind kind, const void *model, bool pretty, char **out, struct bw_error *err)
{
  *out = NULL;
  struct writer w = { .g = yajl_gen_alloc (NULL), .status = yajl_gen_status_ok };
  if (!w.g)
    return bw_error_set (err, ENOMEM, "serialize: out of memory");
  yajl_gen_config (w.g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config (w.g, yajl_gen_indent_string, "  ");
  yajl_gen_config (w.g, yajl_gen_validate_utf8, 1);
  switch (kind)
    {
    case DOC_CONFIG:
      write_config (&w, model);
      break;
    case DOC_PROCESS:
      begin_object (&w, NULL);
      write_process_body (&w, model);
      end_object (&w);
      break;
    case DOC_RESOURCES:
      begin_object (&w, NULL);
      write_resources_body (&w, model);
      end_object (&w);
      break;
    }
  int ret = 0;
  if (w.status == yajl_gen_invalid_string)
    ret = bw_error_set (err, EINVAL, "serialize: a string is not valid UTF-8");
  else if (w.status != yajl_gen_status_ok)
    ret = bw_error_set (err, EINVAL, "serialize: yajl_gen failed (status %d)", (int) w.status);
  else
    {
      const unsigned char *buf = NULL;
      size_t len = 0;
      yajl_gen_get_buf (w.g, &buf, &len);
      *out = strndup ((const char *) buf, len);
      if (!*out)
        ret = bw_error_set (err, ENOMEM, "serialize: out of memory");
    }
  yajl_gen_free (w.g);
  return ret;
}

int
spec_to_json (const struct spec *spec, bool pretty, char **out, struct bw_error *err)
{
  return generate (DOC_CONFIG, spec, pretty, out, err);
}

int
spec_process_to_json (const struct spec_process *p, bool pretty, char **out,
                      struct bw_error *err)
{
  return generate (DOC_PROCESS, p, pretty, out, err);
}

int
spec_resources_to_json (const struct spec_resources *r, bool pretty, char **out,
                        struct bw_error *err)
{
  return generate (DOC_RESOURCES, r, pretty, out, err);
}
