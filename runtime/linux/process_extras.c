/* The scheduling side of a process: process.scheduler (sched_setattr),
 * process.ioPriority (ioprio_set), linux.personality and
 * process.execCPUAffinity. Names are checked by the parser already; the
 * kernel has the last word on the values. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/ioprio.h>

#include "linux_process.h"

struct named { const char *name; unsigned long value; };

/* The kernel's struct sched_attr (linux/sched/types.h clashes with glibc's
 * <sched.h>), first version plus utilization clamps. */
struct sched_attr_v1
{
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};

static const struct named sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },      { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

static const struct named sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static const struct named ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
  { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
  { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
};

static const struct named personality_domains[] = {
  { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 },
};

/* personality(2) flags a config may name. */
static const struct named personality_flags[] = {
  { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT }, { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
  { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },         { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
  { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },         { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
  { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },   { "SHORT_INODE", SHORT_INODE },
  { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },       { "UNAME26", UNAME26 },
  { "WHOLE_SECONDS", WHOLE_SECONDS },
};

static int
lookup (const struct named *table, size_t n, const char *name, unsigned long *out)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      {
        *out = table[i].value;
        return 0;
      }
  return -EINVAL;
}

#define LOOKUP(table, name, out) lookup (table, sizeof table / sizeof table[0], name, out)

int
process_set_scheduler (const struct spec_scheduler *s, struct bw_error *err)
{
  if (!s)
    return 0;
  unsigned long policy, flag;
  if (LOOKUP (sched_policies, s->policy, &policy) < 0)
    return bw_error_set (err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
                         s->policy ? s->policy : "");
  struct sched_attr_v1 attr = {
    .size = sizeof attr,
    .sched_policy = (uint32_t) policy,
    .sched_nice = s->nice.value,
    .sched_priority = (uint32_t) s->priority.value,
    .sched_runtime = s->runtime.value,
    .sched_deadline = s->deadline.value,
    .sched_period = s->period.value,
  };
  if (s->priority.set && s->priority.value < 0)
    return bw_error_set (err, EINVAL, "process.scheduler.priority: %d is negative",
                         s->priority.value);
  for (size_t i = 0; i < s->flags.n; i++)
    {
      if (LOOKUP (sched_flags, s->flags.v[i], &flag) < 0)
        return bw_error_set (err, EINVAL, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                             s->flags.v[i]);
      attr.sched_flags |= flag;
    }
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return bw_error_syscall (err,
                             "process.scheduler: sched_setattr (policy %s, nice %d, priority %d)",
                             s->policy, (int) s->nice.value, (int) s->priority.value);
  return 0;
}

int
process_set_io_priority (const struct spec_io_priority *io, struct bw_error *err)
{
  if (!io)
    return 0;
  unsigned long class;
  if (LOOKUP (ioprio_classes, io->class, &class) < 0)
    return bw_error_set (err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
                         io->class ? io->class : "");
  if (io->priority < 0 || io->priority > 7)
    return bw_error_set (err, EINVAL, "process.ioPriority.priority: %d is not in 0..7",
                         io->priority);
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
               IOPRIO_PRIO_VALUE (class, io->priority)) < 0)
    return bw_error_syscall (err, "process.ioPriority: ioprio_set (%s, %d)", io->class,
                             io->priority);
  return 0;
}

int
process_set_personality (const struct spec_personality *p, struct bw_error *err)
{
  if (!p)
    return 0;
  unsigned long persona, flag;
  if (LOOKUP (personality_domains, p->domain, &persona) < 0)
    return bw_error_set (err, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
                         p->domain ? p->domain : "");
  for (size_t i = 0; i < p->flags.n; i++)
    {
      if (LOOKUP (personality_flags, p->flags.v[i], &flag) < 0)
        return bw_error_set (err, EINVAL, "linux.personality.flags[%zu]: unknown flag \"%s\"", i,
                             p->flags.v[i]);
      persona |= flag;
    }
  if (personality (persona) < 0)
    return bw_error_syscall (err, "linux.personality: personality 0x%lx", persona);
  return 0;
}

int
process_parse_cpu_list (const char *list, cpu_set_t *set)
{
  CPU_ZERO (set);
  const char *s = list;
  if (!s || !*s)
    return -EINVAL;
  while (*s)
    {
      char *end;
      errno = 0;
      unsigned long first = strtoul (s, &end, 10), last = first;
      if (end == s || errno)
        return -EINVAL;
      s = end;
      if (*s == '-')
        {
          const char *start = ++s;
          last = strtoul (start, &end, 10);
          if (end == start || errno || last < first)
            return -EINVAL;
          s = end;
        }
      if (last >= CPU_SETSIZE)
        return -ERANGE;
      for (unsigned long c = first; c <= last; c++)
        CPU_SET (c, set);
      if (*s == ',')
        s++;
      else if (*s)
        return -EINVAL;
    }
  return 0;
}

int
process_check_cpu_affinity (const struct spec_cpu_affinity *a, struct bw_error *err)
{
  cpu_set_t set;
  const char *lists[] = { a ? a->initial : NULL, a ? a->final : NULL };
  const char *names[] = { "initial", "final" };
  for (int i = 0; i < 2; i++)
    if (lists[i] && *lists[i] && process_parse_cpu_list (lists[i], &set) < 0)
      return bw_error_set (err, EINVAL,
                           "process.execCPUAffinity.%s: \"%s\" is not a CPU list like 0-3,7",
                           names[i], lists[i]);
  return 0;
}

int
process_set_cpu_affinity (const struct spec_cpu_affinity *a, bool final, struct bw_error *err)
{
  const char *list = a ? (final ? a->final : a->initial) : NULL;
  const char *name = final ? "final" : "initial";
  cpu_set_t set;
  if (!list || !*list)
    return 0;
  if (process_parse_cpu_list (list, &set) < 0)
    return bw_error_set (err, EINVAL,
                         "process.execCPUAffinity.%s: \"%s\" is not a CPU list like 0-3,7", name,
                         list);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return bw_error_syscall (err, "process.execCPUAffinity.%s: sched_setaffinity %s", name, list);
  return 0;
}
