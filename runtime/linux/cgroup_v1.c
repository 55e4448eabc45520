/* cgroup_v1: linux.resources as cgroup v1 files, one controller each. The
 * values are those of the runtime-spec, which follows v1. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgroup.h"
#include "cgroup_internal.h"

static int
memory_writes (const struct spec_memory *m, struct cgroup_writes *ws)
{
  /* The memory limit first: memory+swap may not go below it. The writer
   * retries a refused write once after the others, for the other order. */
  if (m->limit.set && m->limit.value)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.limit_in_bytes", "linux.resources.memory.limit",
                     "%" PRId64, m->limit.value));
  if (m->swap.set && m->swap.value)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.memsw.limit_in_bytes", "linux.resources.memory.swap",
                     "%" PRId64, m->swap.value));
  if (m->reservation.set && m->reservation.value)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.soft_limit_in_bytes",
                     "linux.resources.memory.reservation", "%" PRId64, m->reservation.value));
  if (m->kernel_tcp.set && m->kernel_tcp.value)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.kmem.tcp.limit_in_bytes",
                     "linux.resources.memory.kernelTCP", "%" PRId64, m->kernel_tcp.value));
  if (m->swappiness.set && m->swappiness.value <= 100)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.swappiness", "linux.resources.memory.swappiness",
                     "%" PRIu64, m->swappiness.value));
  if (m->disable_oom_killer.set)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.oom_control",
                     "linux.resources.memory.disableOOMKiller", "%d",
                     m->disable_oom_killer.value ? 1 : 0));
  if (m->use_hierarchy.set)
    TRY_ALLOC (cgroup_add (ws, "memory", "memory.use_hierarchy", "linux.resources.memory.useHierarchy",
                     "%d", m->use_hierarchy.value ? 1 : 0));
  return 0;
nomem:
  return -ENOMEM;
}

static int
cpu_writes (const struct spec_cpu *c, struct cgroup_writes *ws)
{
  if (c->shares.set && c->shares.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.shares", "linux.resources.cpu.shares", "%" PRIu64,
                     c->shares.value));
  /* Period before quota: the kernel checks quota against the period. */
  if (c->period.set && c->period.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.cfs_period_us", "linux.resources.cpu.period", "%" PRIu64,
                     c->period.value));
  if (c->quota.set && c->quota.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.cfs_quota_us", "linux.resources.cpu.quota", "%" PRId64,
                     c->quota.value < 0 ? -1 : c->quota.value));
  if (c->burst.set)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.cfs_burst_us", "linux.resources.cpu.burst", "%" PRIu64,
                     c->burst.value));
  if (c->realtime_period.set && c->realtime_period.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.rt_period_us", "linux.resources.cpu.realtimePeriod",
                     "%" PRIu64, c->realtime_period.value));
  if (c->realtime_runtime.set && c->realtime_runtime.value)
    TRY_ALLOC (cgroup_add (ws, "cpu", "cpu.rt_runtime_us", "linux.resources.cpu.realtimeRuntime",
                     "%" PRId64, c->realtime_runtime.value));
  return 0;
nomem:
  return -ENOMEM;
}

static int
blkio_writes (const struct spec_block_io *b, struct cgroup_writes *ws)
{
  /* Kernels with BFQ name the files blkio.bfq.*; CFQ ones blkio.*. */
  if (b->weight.set && b->weight.value)
    {
      TRY_ALLOC (cgroup_add (ws, "blkio", "blkio.weight", "linux.resources.blockIO.weight", "%" PRIu32,
                       b->weight.value));
      TRY_ALLOC (cgroup_add_alt (ws, "blkio.bfq.weight", "%" PRIu32, b->weight.value));
    }
  if (b->leaf_weight.set && b->leaf_weight.value)
    TRY_ALLOC (cgroup_add (ws, "blkio", "blkio.leaf_weight", "linux.resources.blockIO.leafWeight",
                     "%" PRIu32, b->leaf_weight.value));
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct spec_weight_device *d = &b->weight_device[i];
      char name[96];
      snprintf (name, sizeof name, "linux.resources.blockIO.weightDevice[%zu]", i);
      if (d->weight.set)
        {
          TRY_ALLOC (cgroup_add (ws, "blkio", "blkio.weight_device", name,
                           "%" PRId64 ":%" PRId64 " %" PRIu32, d->major, d->minor,
                           d->weight.value));
          TRY_ALLOC (cgroup_add_alt (ws, "blkio.bfq.weight_device", "%" PRId64 ":%" PRId64 " %" PRIu32,
                               d->major, d->minor, d->weight.value));
        }
      if (d->leaf_weight.set)
        TRY_ALLOC (cgroup_add (ws, "blkio", "blkio.leaf_weight_device", name,
                         "%" PRId64 ":%" PRId64 " %" PRIu32, d->major, d->minor,
                         d->leaf_weight.value));
    }
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_read_bps, "blkio.throttle.read_bps_device", "",
                                     "throttleReadBpsDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_write_bps, "blkio.throttle.write_bps_device",
                                     "", "throttleWriteBpsDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_read_iops, "blkio.throttle.read_iops_device",
                                     "", "throttleReadIOPSDevice", ws));
  TRY_ALLOC (cgroup_throttle_writes (&b->throttle_write_iops, "blkio.throttle.write_iops_device",
                                     "", "throttleWriteIOPSDevice", ws));
  return 0;
nomem:
  return -ENOMEM;
}

static int
network_writes (const struct spec_network *n, struct cgroup_writes *ws)
{
  if (n->class_id.set)
    TRY_ALLOC (cgroup_add (ws, "net_cls", "net_cls.classid", "linux.resources.network.classID",
                     "%" PRIu32, n->class_id.value));
  for (size_t i = 0; i < n->n_priorities; i++)
    {
      char name[80];
      snprintf (name, sizeof name, "linux.resources.network.priorities[%zu]", i);
      TRY_ALLOC (cgroup_add (ws, "net_prio", "net_prio.ifpriomap", name, "%s %" PRIu32,
                       n->priorities[i].name, n->priorities[i].priority));
    }
  return 0;
nomem:
  return -ENOMEM;
}

int
cgroup_v1_writes (const struct spec_resources *r, bool update, struct cgroup_writes *ws,
                  struct bw_error *err)
{
  (void) update;
  *ws = (struct cgroup_writes) { 0 };
  if (!r)
    return 0;
  if (r->unified.set && r->unified.n > 0)
    return bw_error_set (err, ENOTSUP, "linux.resources.unified: needs cgroup v2, and this host "
                         "has its controllers in cgroup v1");
  int ret = 0;
  if (r->memory)
    ret = memory_writes (r->memory, ws);
  if (ret == 0 && r->cpu)
    ret = cpu_writes (r->cpu, ws);
  if (ret == 0 && r->block_io)
    ret = blkio_writes (r->block_io, ws);
  if (ret == 0 && r->network)
    ret = network_writes (r->network, ws);
  if (ret == 0)
    ret = cgroup_common_writes (r, false, ws);
  if (ret < 0)
    {
      cgroup_writes_clear (ws);
      return bw_error_set (err, -ret, "cgroup: out of memory");
    }
  return 0;
}
