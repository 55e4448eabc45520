/* Unit tests of the config model: valid documents parse and round-trip, and
 * every malformed one fails with the exact message (path and wording). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "spec.h"
#include "unit.h"

/* Test JSON is written with ' for " to stay readable; this swaps them. */
static char *
dq (const char *s)
{
  char *out = strdup (s);
  for (char *p = out; *p; p++)
    if (*p == '\'')
      *p = '"';
  return out;
}

static const char *
data_dir (void)
{
  static char buf[4096];
  const char *env = getenv ("SPEC_TEST_DATA");
  if (env)
    return env;
  const char *srcdir = getenv ("srcdir");
  snprintf (buf, sizeof buf, "%s/tests/unit/data", srcdir ? srcdir : ".");
  return buf;
}

/* parse -> serialize -> parse -> serialize gives the same text twice. */
static void
check_round_trip (const struct spec *spec, const char *name)
{
  for (int pretty = 0; pretty < 2; pretty++)
    {
      struct bw_error err = { 0 };
      _cleanup_free_ char *first = NULL, *second = NULL;
      char label[256];
      snprintf (label, sizeof label, "%s round trip (%s)", name, pretty ? "pretty" : "compact");
      int r = spec_to_json (spec, pretty, &first, &err);
      CHECK (r == 0, label, "serialize: %s", err.msg);
      if (r < 0)
        continue;
      _cleanup_spec_ struct spec *again = NULL;
      r = spec_parse_config (first, strlen (first), &again, &err);
      CHECK (r == 0, label, "re-parse: %s", err.msg);
      if (r < 0)
        continue;
      r = spec_to_json (again, pretty, &second, &err);
      CHECK (r == 0 && strcmp (first, second) == 0, label, "texts differ:\n%s\n---\n%s", first,
             second ? second : "");
    }
}

static struct spec *
load_valid (const char *file)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/%s", data_dir (), file);
  struct bw_error err = { 0 };
  struct spec *spec = NULL;
  int r = spec_load_config (path, file, &spec, &err);
  char label[256];
  snprintf (label, sizeof label, "%s parses", file);
  CHECK (r == 0 && spec, label, "%s", err.msg);
  if (spec)
    check_round_trip (spec, file);
  return spec;
}

static void
test_valid_files (void)
{
  _cleanup_spec_ struct spec *runc = load_valid ("runc-spec.json");
  if (runc)
    {
      CHECK_STREQ (runc->root->path, "rootfs", "runc spec: root.path kept relative");
      CHECK (runc->process && runc->process->terminal.set && runc->process->terminal.value,
             "runc spec: terminal", "terminal not true");
      CHECK (spec_namespace_find (runc, SPEC_NS_MOUNT) != NULL, "runc spec: mount namespace",
             "missing");
      CHECK (spec_namespace_find (runc, SPEC_NS_USER) == NULL, "runc spec: no user namespace",
             "present");
    }

  _cleanup_spec_ struct spec *podman = load_valid ("podman.json");
  if (podman)
    {
      CHECK_STREQ (spec_annotation (podman, "io.container.manager"), "libpod",
                   "podman: annotation lookup");
      CHECK (spec_annotation (podman, "nope") == NULL, "podman: absent annotation", "found");
      CHECK (podman->linux->seccomp && podman->linux->seccomp->n_syscalls == 17,
             "podman: seccomp syscalls", "wrong count");
      CHECK (podman->hooks && podman->hooks->kinds[SPEC_HOOK_POSTSTOP].n == 1
               && podman->hooks->kinds[SPEC_HOOK_POSTSTOP].items[0].timeout.value == 10,
             "podman: poststop hook", "wrong");
      const struct spec_namespace *net = spec_namespace_find (podman, SPEC_NS_NETWORK);
      CHECK_STREQ (net ? net->path : NULL, "/run/netns/netns-2f1c", "podman: netns path");
      CHECK (podman->n_mounts == 11, "podman: mounts", "got %zu", podman->n_mounts);
    }

  _cleanup_spec_ struct spec *docker = load_valid ("docker.json");
  if (docker)
    {
      CHECK (docker->hooks->kinds[SPEC_HOOK_PRESTART].n == 1, "docker: prestart hook", "absent");
      CHECK (docker->linux->resources->pids->limit.set
               && docker->linux->resources->pids->limit.value == -1,
             "docker: pids.limit -1", "wrong");
      CHECK (docker->mounts[7].type == NULL, "docker: mount without type", "type set");
    }

  _cleanup_spec_ struct spec *full = load_valid ("full.json");
  if (full)
    {
      struct spec_process *p = full->process;
      CHECK (p->rlimits[0].hard == UINT64_MAX, "full: uint64 max rlimit", "got %llu",
             (unsigned long long) p->rlimits[0].hard);
      CHECK (p->rlimits[0].resource == RLIMIT_NOFILE, "full: rlimit resource", "wrong");
      CHECK (p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 4294967294u,
             "full: additionalGids", "wrong");
      CHECK_STREQ (p->args.v[2], "caf\xc3\xa9 \"quoted\" \\ tab\t", "full: escaped arg");
      CHECK (p->capabilities->inheritable.v && p->capabilities->inheritable.n == 0,
             "full: empty inheritable is set", "not set");
      CHECK (full->linux->n_time_offsets == 2 && full->linux->time_offsets[0].secs == -3600,
             "full: time offsets", "wrong");
      CHECK (full->linux->devices[1].major_set == false, "full: fifo without major", "set");
      CHECK (full->linux->seccomp->syscalls[2].args[1].value == UINT64_MAX
               && full->linux->seccomp->syscalls[2].args[1].value_two.set,
             "full: seccomp uint64 value", "wrong");
      CHECK (full->linux->resources->n_rdma == 2, "full: rdma", "wrong");
      CHECK (full->linux->intel_rdt_set && full->warnings.n == 1, "full: intelRdt warning",
             "no warning");
      CHECK_STREQ (full->warnings.n ? full->warnings.v[0] : NULL,
                   "linux.intelRdt is not supported and is ignored", "full: warning text");
      CHECK (full->mounts[2].options.v && full->mounts[2].options.n == 0,
             "full: empty options kept", "lost");
      CHECK_STREQ (full->domainname, "example.org", "full: domainname");
      CHECK (full->linux->personality && full->linux->personality->flags.n == 0,
             "full: personality", "wrong");
    }
}

struct bad_case
{
  const char *name;
  const char *json;   /* ' stands for " */
  const char *error;  /* ' stands for " */
};

/* A valid prefix most cases extend: "ociVersion" plus a minimal process. */
#define V "'ociVersion':'1.0.0'"
#define P "'process':{'args':['sh'],'cwd':'/'}"
#define VP "{" V "," P

static const struct bad_case bad_configs[] = {
  { "invalid json", "{", "invalid JSON: parse error: premature EOF (near: {)" },
  { "trailing garbage", "{} x", "invalid JSON: parse error: trailing garbage (near: {} x)" },
  { "top level array", "[1]", "invalid JSON: expected an object, got an array" },
  { "top level string", "'x'", "invalid JSON: expected an object, got 'x'" },
  { "empty document", "", "invalid JSON: parse error: premature EOF" },
  { "missing ociVersion", "{" P "}", "ociVersion: missing required field" },
  { "ociVersion number", "{'ociVersion':1}", "ociVersion: expected a string, got 1" },
  { "ociVersion 2.0.0", "{'ociVersion':'2.0.0'}",
    "ociVersion: unsupported version '2.0.0' (bulwark supports 1.0.0 to 1.3.x)" },
  { "ociVersion 0.9", "{'ociVersion':'0.9'}",
    "ociVersion: unsupported version '0.9' (bulwark supports 1.0.0 to 1.3.x)" },
  { "ociVersion abc", "{'ociVersion':'abc'}",
    "ociVersion: unsupported version 'abc' (bulwark supports 1.0.0 to 1.3.x)" },
  { "ociVersion 1.4.0", "{'ociVersion':'1.4.0'}",
    "ociVersion: unsupported version '1.4.0' (bulwark supports 1.0.0 to 1.3.x)" },
  { "ociVersion 1.1", "{'ociVersion':'1.1'}",
    "ociVersion: unsupported version '1.1' (bulwark supports 1.0.0 to 1.3.x)" },
  { "root not object", "{" V ",'root':'/'}", "root: expected an object, got '/'" },
  { "root.path missing", "{" V ",'root':{'readonly':true}}", "root.path: missing required field" },
  { "root.readonly string", "{" V ",'root':{'path':'/r','readonly':'yes'}}",
    "root.readonly: expected a boolean, got 'yes'" },
  { "mounts not array", "{" V ",'mounts':{}}", "mounts: expected an array, got an object" },
  { "mount destination missing", "{" V ",'mounts':[{'type':'proc'}]}",
    "mounts[0].destination: missing required field" },
  { "mount destination relative", "{" V ",'mounts':[{'destination':'/a'},{'destination':'tmp'}]}",
    "mounts[1].destination: must be an absolute path, got 'tmp'" },
  { "mount option number",
    "{" V ",'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':'/c'},"
    "{'destination':'/d','options':[3]}]}",
    "mounts[3].options[0]: expected a string, got 3" },
  { "mount idmap size 0",
    "{" V ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,'size':0}]}]}",
    "mounts[0].uidMappings[0].size: 0 is out of range (1..4294967295)" },
  { "process args missing", "{" V ",'process':{'cwd':'/'}}",
    "process.args: must be a non-empty array of strings" },
  { "process args empty", "{" V ",'process':{'args':[],'cwd':'/'}}",
    "process.args: must be a non-empty array of strings" },
  { "process args string", "{" V ",'process':{'args':'sh','cwd':'/'}}",
    "process.args: expected an array of strings, got 'sh'" },
  { "process arg number", "{" V ",'process':{'args':['a','b',3],'cwd':'/'}}",
    "process.args[2]: expected a string, got 3" },
  { "process cwd relative", "{" V ",'process':{'args':['sh'],'cwd':'tmp'}}",
    "process.cwd: must be an absolute path, got 'tmp'" },
  { "process cwd missing", "{" V ",'process':{'args':['sh']}}",
    "process.cwd: missing required field" },
  { "process terminal number", "{" V ",'process':{'terminal':1,'args':['sh'],'cwd':'/'}}",
    "process.terminal: expected a boolean, got 1" },
  { "oomScoreAdj out of range", VP ",'process':{'args':['sh'],'cwd':'/','oomScoreAdj':5000}}",
    "process.oomScoreAdj: 5000 is out of range (-1000..1000)" },
  { "oomScoreAdj float", VP ",'process':{'args':['sh'],'cwd':'/','oomScoreAdj':1.5}}",
    "process.oomScoreAdj: expected an integer, got 1.5" },
  { "uid negative", "{" V ",'process':{'args':['sh'],'cwd':'/','user':{'uid':-1}}}",
    "process.user.uid: -1 is out of range (0..4294967295)" },
  { "uid too big", "{" V ",'process':{'args':['sh'],'cwd':'/','user':{'uid':4294967296}}}",
    "process.user.uid: 4294967296 is out of range (0..4294967295)" },
  { "additionalGids string",
    "{" V ",'process':{'args':['sh'],'cwd':'/','user':{'additionalGids':[1,'2']}}}",
    "process.user.additionalGids[1]: expected an integer, got '2'" },
  { "unknown capability",
    "{" V ",'process':{'args':['sh'],'cwd':'/','capabilities':{'bounding':['CAP_CHOWN','CAP_KILL','CAP_FOO']}}}",
    "process.capabilities.bounding[2]: unknown capability 'CAP_FOO'" },
  { "capability without CAP_ prefix",
    "{" V ",'process':{'args':['sh'],'cwd':'/','capabilities':{'ambient':['chown']}}}",
    "process.capabilities.ambient[0]: unknown capability 'chown'" },
  { "rlimit unknown",
    "{" V ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_FOO','hard':1,'soft':1}]}}",
    "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'" },
  { "rlimit duplicate",
    "{" V ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':1},"
    "{'type':'RLIMIT_NOFILE','hard':2,'soft':2}]}}",
    "process.rlimits[1].type: duplicate rlimit 'RLIMIT_NOFILE'" },
  { "rlimit soft above hard",
    "{" V ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','hard':5,'soft':10}]}}",
    "process.rlimits[0]: soft limit 10 is greater than hard limit 5" },
  { "rlimit hard missing",
    "{" V ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1}]}}",
    "process.rlimits[0].hard: missing required field" },
  { "rlimit hard too big",
    "{" V ",'process':{'args':['sh'],'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':18446744073709551616}]}}",
    "process.rlimits[0].hard: 18446744073709551616 is out of range (0..18446744073709551615)" },
  { "scheduler policy unknown",
    "{" V ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_FAST'}}}",
    "process.scheduler.policy: unknown scheduler policy 'SCHED_FAST'" },
  { "scheduler policy missing",
    "{" V ",'process':{'args':['sh'],'cwd':'/','scheduler':{'nice':1}}}",
    "process.scheduler.policy: missing required field" },
  { "scheduler flag unknown",
    "{" V ",'process':{'args':['sh'],'cwd':'/','scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_X']}}}",
    "process.scheduler.flags[0]: unknown scheduler flag 'SCHED_FLAG_X'" },
  { "ioPriority class unknown",
    "{" V ",'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_X'}}}",
    "process.ioPriority.class: unknown ioPriority class 'IOPRIO_CLASS_X'" },
  { "ioPriority priority range",
    "{" V ",'process':{'args':['sh'],'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}}}",
    "process.ioPriority.priority: 8 is out of range (0..7)" },
  { "hostname number", "{" V ",'hostname':42}", "hostname: expected a string, got 42" },
  { "hook path relative", "{" V ",'hooks':{'prestart':[{'path':'hook'}]}}",
    "hooks.prestart[0].path: must be an absolute path, got 'hook'" },
  { "hook timeout zero", "{" V ",'hooks':{'poststop':[{'path':'/h','timeout':0}]}}",
    "hooks.poststop[0].timeout: 0 is out of range (1..2147483647)" },
  { "hooks kind not array", "{" V ",'hooks':{'createRuntime':{}}}",
    "hooks.createRuntime: expected an array, got an object" },
  { "annotation value number", "{" V ",'annotations':{'a':'b','c':3}}",
    "annotations.c: expected a string, got 3" },
  { "annotations array", "{" V ",'annotations':[]}", "annotations: expected an object, got an array" },
  { "linux not object", "{" V ",'linux':true}", "linux: expected an object, got true" },
  { "namespace type unknown", "{" V ",'linux':{'namespaces':[{'type':'pid'},{'type':'pidd'}]}}",
    "linux.namespaces[1].type: unknown namespace type 'pidd'" },
  { "namespace duplicate", "{" V ",'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}}",
    "linux.namespaces[1].type: duplicate namespace type 'pid'" },
  { "namespace path relative", "{" V ",'linux':{'namespaces':[{'type':'network','path':'ns'}]}}",
    "linux.namespaces[0].path: must be an absolute path, got 'ns'" },
  { "namespace type missing", "{" V ",'linux':{'namespaces':[{}]}}",
    "linux.namespaces[0].type: missing required field" },
  { "uidMappings hostID missing", "{" V ",'linux':{'uidMappings':[{'containerID':0,'size':1}]}}",
    "linux.uidMappings[0].hostID: missing required field" },
  { "time offset clock", "{" V ",'linux':{'timeOffsets':{'realtime':{'secs':1}}}}",
    "linux.timeOffsets.realtime: unknown clock 'realtime'" },
  { "time offset nanosecs", "{" V ",'linux':{'timeOffsets':{'boottime':{'nanosecs':1000000000}}}}",
    "linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range (0..999999999)" },
  { "device type", "{" V ",'linux':{'devices':[{'type':'x','path':'/dev/x'}]}}",
    "linux.devices[0].type: unknown device type 'x'" },
  { "device major missing", "{" V ",'linux':{'devices':[{'type':'c','path':'/dev/x','minor':1}]}}",
    "linux.devices[0].major: missing required field" },
  { "device path relative", "{" V ",'linux':{'devices':[{'type':'c','path':'dev/x'}]}}",
    "linux.devices[0].path: must be an absolute path, got 'dev/x'" },
  { "memory limit string",
    "{" V ",'linux':{'resources':{'memory':{'limit':'1G'}}}}",
    "linux.resources.memory.limit: expected an integer, got '1G'" },
  { "memory swappiness", "{" V ",'linux':{'resources':{'memory':{'swappiness':101}}}}",
    "linux.resources.memory.swappiness: 101 is out of range (0..100)" },
  { "cpu shares negative", "{" V ",'linux':{'resources':{'cpu':{'shares':-2}}}}",
    "linux.resources.cpu.shares: -2 is out of range (0..18446744073709551615)" },
  { "blockIO weight", "{" V ",'linux':{'resources':{'blockIO':{'weight':5}}}}",
    "linux.resources.blockIO.weight: 5 is out of range (10..1000, or 0 for unchanged)" },
  { "throttle rate missing",
    "{" V ",'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}}}}",
    "linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field" },
  { "device cgroup type", "{" V ",'linux':{'resources':{'devices':[{'allow':true,'type':'u'}]}}}",
    "linux.resources.devices[0].type: unknown device type 'u'" },
  { "device cgroup access", "{" V ",'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}}",
    "linux.resources.devices[0].access: invalid access 'rwx' (only r, w and m are allowed)" },
  { "device cgroup allow missing", "{" V ",'linux':{'resources':{'devices':[{'access':'r'}]}}}",
    "linux.resources.devices[0].allow: missing required field" },
  { "pids limit float", "{" V ",'linux':{'resources':{'pids':{'limit':1e3}}}}",
    "linux.resources.pids.limit: expected an integer, got 1e3" },
  { "hugepage pageSize missing", "{" V ",'linux':{'resources':{'hugepageLimits':[{'limit':1}]}}}",
    "linux.resources.hugepageLimits[0].pageSize: missing required field" },
  { "unified value", "{" V ",'linux':{'resources':{'unified':{'memory.max':1}}}}",
    "linux.resources.unified.memory.max: expected a string, got 1" },
  { "unified cgroup.procs", "{" V ",'linux':{'resources':{'unified':{'memory.max':'1G','cgroup.procs':'1'}}}}",
    "linux.resources.unified['cgroup.procs']: a cgroup core file, not a resource limit (of those "
    "only cgroup.max.depth and cgroup.max.descendants may be set)" },
  { "unified cgroup.subtree_control", "{" V ",'linux':{'resources':{'unified':{'cgroup.subtree_control':'+cpu'}}}}",
    "linux.resources.unified['cgroup.subtree_control']: a cgroup core file, not a resource limit (of "
    "those only cgroup.max.depth and cgroup.max.descendants may be set)" },
  { "unified key climbing out", "{" V ",'linux':{'resources':{'unified':{'../x':'1'}}}}",
    "linux.resources.unified['../x']: not a cgroup file name" },
  { "unified key hidden", "{" V ",'linux':{'resources':{'unified':{'.x':'1'}}}}",
    "linux.resources.unified['.x']: not a cgroup file name" },
  { "hugepage pageSize path", "{" V ",'linux':{'resources':{'hugepageLimits':[{'pageSize':'x/../../..','limit':1}]}}}",
    "linux.resources.hugepageLimits[0].pageSize: invalid page size 'x/../../..' (expected digits and "
    "KB, MB or GB, e.g. 2MB)" },
  { "hugepage pageSize suffix", "{" V ",'linux':{'resources':{'hugepageLimits':[{'pageSize':'2MB','limit':1},{'pageSize':'2MB.max','limit':1}]}}}",
    "linux.resources.hugepageLimits[1].pageSize: invalid page size '2MB.max' (expected digits and "
    "KB, MB or GB, e.g. 2MB)" },
  { "hugepage pageSize long", "{" V ",'linux':{'resources':{'hugepageLimits':[{'pageSize':'1234567890123KB','limit':1}]}}}",
    "linux.resources.hugepageLimits[0].pageSize: invalid page size '1234567890123KB' (expected digits "
    "and KB, MB or GB, e.g. 2MB)" },
  { "rdma entry not object", "{" V ",'linux':{'resources':{'rdma':{'mlx':1}}}}",
    "linux.resources.rdma.mlx: expected an object, got 1" },
  { "network priority missing",
    "{" V ",'linux':{'resources':{'network':{'priorities':[{'name':'eth0'}]}}}}",
    "linux.resources.network.priorities[0].priority: missing required field" },
  { "seccomp default action", "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_NOPE'}}}",
    "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_NOPE'" },
  { "seccomp default action missing", "{" V ",'linux':{'seccomp':{}}}",
    "linux.seccomp.defaultAction: missing required field" },
  { "seccomp arch", "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_VAX']}}}",
    "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_VAX'" },
  { "seccomp flag", "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']}}}",
    "linux.seccomp.flags[0]: unknown seccomp flag 'SECCOMP_FILTER_FLAG_NEW_LISTENER'" },
  { "seccomp syscall action",
    "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_DENY'}]}}}",
    "linux.seccomp.syscalls[0].action: unknown seccomp action 'SCMP_ACT_DENY'" },
  { "seccomp syscall names missing",
    "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ALLOW'}]}}}",
    "linux.seccomp.syscalls[0].names: missing required field" },
  { "seccomp op",
    "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],'action':'SCMP_ACT_ERRNO',"
    "'args':[{'index':0,'value':1,'op':'SCMP_CMP_EQ'},{'index':1,'value':1,'op':'SCMP_CMP_XX'}]}]}}}",
    "linux.seccomp.syscalls[0].args[1].op: unknown seccomp operator 'SCMP_CMP_XX'" },
  { "seccomp arg index",
    "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],'action':'SCMP_ACT_ERRNO',"
    "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}}}",
    "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)" },
  { "seccomp errnoRet negative",
    "{" V ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':-1}}}",
    "linux.seccomp.defaultErrnoRet: -1 is out of range (0..4294967295)" },
  { "rootfsPropagation", "{" V ",'linux':{'rootfsPropagation':'recursive'}}",
    "linux.rootfsPropagation: unknown rootfsPropagation 'recursive'" },
  { "personality domain", "{" V ",'linux':{'personality':{'domain':'LINUX64'}}}",
    "linux.personality.domain: unknown personality domain 'LINUX64'" },
  { "maskedPaths not array", "{" V ",'linux':{'maskedPaths':'/proc'}}",
    "linux.maskedPaths: expected an array of strings, got '/proc'" },
  { "sysctl value", "{" V ",'linux':{'sysctl':{'net.ipv4.ip_forward':true}}}",
    "linux.sysctl.net.ipv4.ip_forward: expected a string, got true" },
  { "long value truncated", "{" V ",'hostname':['x'],'domainname':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}",
    "hostname: expected a string, got an array" },
  { "long string shown cut", "{" V ",'process':{'args':['a'],'cwd':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}}",
    "process.cwd: must be an absolute path, got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
  { "lexical error", "{" V ",'x':tru}", "invalid JSON: lexical error: invalid string in json text. (near: {'ociVersion':'1.0.0','x':tru})" },
  { "intelRdt not object", "{" V ",'linux':{'intelRdt':[]}}",
    "linux.intelRdt: expected an object, got an array" },
  { "deep nesting", "{" V ",'x':[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    "invalid JSON: nested deeper than 64 levels" },
};

static void
test_bad_configs (void)
{
  size_t n = sizeof bad_configs / sizeof bad_configs[0];
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *json = dq (bad_configs[i].json);
      _cleanup_free_ char *want = dq (bad_configs[i].error);
      struct bw_error err = { 0 };
      _cleanup_spec_ struct spec *spec = NULL;
      int r = spec_parse_config (json, strlen (json), &spec, &err);
      char label[256];
      snprintf (label, sizeof label, "bad config: %s", bad_configs[i].name);
      if (r == 0)
        CHECK (false, label, "parsed, want error \"%s\"", want);
      else
        CHECK (r == -EINVAL && spec == NULL && strcmp (err.msg, want) == 0, label,
               "r=%d got \"%s\", want \"%s\"", r, err.msg, want);
    }
  printf ("# %zu malformed configs\n", n);
}

static void
test_versions (void)
{
  const char *good[] = { "1.0.0", "1.0.2-dev", "1.1.0", "1.2.1+dev", "1.3.0", "1.3.17", "1.0.0-rc5" };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      char json[128];
      snprintf (json, sizeof json, "{\"ociVersion\":\"%s\"}", good[i]);
      struct bw_error err = { 0 };
      _cleanup_spec_ struct spec *spec = NULL;
      char label[128];
      snprintf (label, sizeof label, "version %s accepted", good[i]);
      CHECK (spec_parse_config (json, strlen (json), &spec, &err) == 0, label, "%s", err.msg);
      if (spec)
        check_round_trip (spec, label);
    }
  const char *bad[] = { "1.3", "1.10.0", "1.", "1.3.x", "11.0.0", "1.3.0 ", "v1.0.0" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      char json[128];
      snprintf (json, sizeof json, "{\"ociVersion\":\"%s\"}", bad[i]);
      struct bw_error err = { 0 };
      _cleanup_spec_ struct spec *spec = NULL;
      char label[128];
      snprintf (label, sizeof label, "version \"%s\" refused", bad[i]);
      CHECK (spec_parse_config (json, strlen (json), &spec, &err) < 0
               && strstr (err.msg, "unsupported version"),
             label, "%s", err.msg);
    }
}

static void
test_misc (void)
{
  struct bw_error err = { 0 };
  struct spec *spec = NULL;
  int r = spec_load_config ("/nonexistent/config.json", NULL, &spec, &err);
  CHECK (r == -ENOENT, "missing file: ENOENT", "r=%d", r);
  CHECK_STREQ (err.msg, "open /nonexistent/config.json: No such file or directory",
               "missing file: message");

  /* display_name prefixes parse errors. */
  char path[] = "/tmp/bulwark-test-spec-XXXXXX";
  int fd = mkstemp (path);
  if (fd >= 0)
    {
      const char *text = "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}";
      if (write (fd, text, strlen (text)) < 0)
        perror ("write");
      close (fd);
      r = spec_load_config (path, "config.json", &spec, &err);
      CHECK_STREQ (err.msg, "config.json: linux.resources.memory.limit: expected an integer, got \"1G\"",
                   "load_config: display name prefix");
      unlink (path);
    }

  /* Documents without NUL terminator and with embedded NUL. */
  const char buf[] = "{\"ociVersion\":\"1.0.0\"}garbage";
  r = spec_parse_config (buf, 22, &spec, &err);
  CHECK (r == 0, "parse uses len, not NUL", "%s", err.msg);
  spec_free (spec);
  spec = NULL;
  r = spec_parse_config ("{\"ociVersion\":\"1.0.0\"}\0", 23, &spec, &err);
  CHECK (r < 0 && strcmp (err.msg, "invalid JSON: unexpected NUL byte") == 0,
         "embedded NUL refused", "r=%d %s", r, err.msg);

  /* null is taken as absent; duplicate keys: the last wins. */
  const char *nulls = "{\"ociVersion\":\"1.0.0\",\"process\":null,\"hostname\":\"a\",\"hostname\":\"b\","
                      "\"annotations\":{\"k\":\"1\",\"j\":\"x\",\"k\":\"2\"}}";
  r = spec_parse_config (nulls, strlen (nulls), &spec, &err);
  CHECK (r == 0 && spec->process == NULL, "null means absent", "%s", err.msg);
  if (r == 0)
    {
      CHECK_STREQ (spec->hostname, "b", "duplicate key: last wins");
      CHECK (spec->annotations.n == 2, "duplicate annotation counted once", "n=%zu",
             spec->annotations.n);
      CHECK_STREQ (spec_annotation (spec, "k"), "2", "duplicate annotation: last value");
    }
  spec_free (spec);
  spec = NULL;

  /* Unknown fields everywhere are ignored. */
  const char *unknown = "{\"ociVersion\":\"1.2.0\",\"future\":1,\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
                        "\"x\":{}},\"linux\":{\"netDevices\":{\"eth0\":{}},\"resources\":{\"y\":[]}}}";
  r = spec_parse_config (unknown, strlen (unknown), &spec, &err);
  CHECK (r == 0, "unknown fields ignored", "%s", err.msg);
  spec_free (spec);
  spec = NULL;

  char shown[128];
  struct json_ctx c;
  json_ctx_init (&c, &err);
  json_quote ("tab\there \"q\"", shown, sizeof shown);
  CHECK_STREQ (shown, "\"tab\\there \\\"q\\\"\"", "json_quote escapes");
  json_push_key (&c, "a");
  json_push_index (&c, 3);
  json_push_key (&c, "b");
  json_pop (&c);
  json_push_key (&c, "c");
  CHECK_STREQ (c.path, "a[3].c", "path builder");
}

static void
test_process_documents (void)
{
  struct bw_error err = { 0 };
  struct spec_process *p = NULL;
  const char *ok = "{\"terminal\":true,\"user\":{\"uid\":1,\"gid\":2},\"args\":[\"/bin/sh\",\"-c\",\"id\"],"
                   "\"env\":[\"PATH=/bin\"],\"cwd\":\"/root\",\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
                   "\"noNewPrivileges\":true,\"apparmorProfile\":\"unconfined\"}";
  int r = spec_parse_process (ok, strlen (ok), &p, &err);
  CHECK (r == 0 && p && p->args.n == 3 && p->user.gid == 2, "process document parses", "%s",
         err.msg);
  if (r == 0)
    {
      _cleanup_free_ char *first = NULL, *second = NULL;
      struct spec_process *again = NULL;
      r = spec_process_to_json (p, false, &first, &err);
      if (r == 0)
        r = spec_parse_process (first, strlen (first), &again, &err);
      if (r == 0)
        r = spec_process_to_json (again, false, &second, &err);
      CHECK (r == 0 && strcmp (first, second) == 0, "process document round trip", "%s", err.msg);
      spec_process_free (again);
    }
  spec_process_free (p);

  struct bad_case bad[] = {
    { "process: cwd relative", "{'args':['sh'],'cwd':'tmp'}", "cwd: must be an absolute path, got 'tmp'" },
    { "process: args missing", "{'cwd':'/'}", "args: must be a non-empty array of strings" },
    { "process: arg type", "{'args':['a',{}],'cwd':'/'}", "args[1]: expected a string, got an object" },
    { "process: not object", "['sh']", "invalid JSON: expected an object, got an array" },
    { "process: bad json", "{'args':", "invalid JSON: parse error: premature EOF (near: {\"args\":)" },
    { "process: env type", "{'args':['a'],'cwd':'/','env':[1]}", "env[0]: expected a string, got 1" },
    { "process: capability", "{'args':['a'],'cwd':'/','capabilities':{'effective':['CAP_NOPE']}}",
      "capabilities.effective[0]: unknown capability 'CAP_NOPE'" },
    { "process: rlimit type", "{'args':['a'],'cwd':'/','rlimits':[{'type':'NOFILE','hard':1,'soft':1}]}",
      "rlimits[0].type: unknown rlimit 'NOFILE'" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_free_ char *json = dq (bad[i].json);
      _cleanup_free_ char *want = dq (bad[i].error);
      p = NULL;
      r = spec_parse_process (json, strlen (json), &p, &err);
      CHECK (r < 0 && p == NULL && strcmp (err.msg, want) == 0, bad[i].name,
             "r=%d got \"%s\", want \"%s\"", r, err.msg, want);
      spec_process_free (p);
    }
}

static void
test_resources_documents (void)
{
  struct bw_error err = { 0 };
  struct spec_resources *res = NULL;
  /* What `docker update --memory 512m` sends: zero means unchanged. */
  const char *docker = "{\"memory\":{\"limit\":536870912,\"reservation\":0,\"swap\":0},"
                       "\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0,\"cpus\":\"\",\"mems\":\"\"},"
                       "\"pids\":{\"limit\":0},\"blockIO\":{}}";
  int r = spec_parse_resources (docker, strlen (docker), &res, &err);
  CHECK (r == 0 && res && res->memory->limit.value == 536870912 && res->memory->swap.set
           && res->memory->swap.value == 0 && res->cpu->shares.set && res->pids->limit.set
           && res->block_io && !res->block_io->weight.set,
         "resources document parses faithfully", "%s", err.msg);
  if (r == 0)
    {
      _cleanup_free_ char *first = NULL, *second = NULL;
      struct spec_resources *again = NULL;
      r = spec_resources_to_json (res, true, &first, &err);
      if (r == 0)
        r = spec_parse_resources (first, strlen (first), &again, &err);
      if (r == 0)
        r = spec_resources_to_json (again, true, &second, &err);
      CHECK (r == 0 && strcmp (first, second) == 0, "resources document round trip", "%s",
             err.msg);
      spec_resources_free (again);
    }
  spec_resources_free (res);

  const char *empty = "{}";
  res = NULL;
  r = spec_parse_resources (empty, 2, &res, &err);
  CHECK (r == 0 && res && !res->memory && !res->cpu, "empty resources document", "%s", err.msg);
  spec_resources_free (res);

  struct bad_case bad[] = {
    { "resources: memory limit string", "{'memory':{'limit':'1G'}}",
      "memory.limit: expected an integer, got '1G'" },
    { "resources: swappiness", "{'memory':{'swappiness':200}}",
      "memory.swappiness: 200 is out of range (0..100)" },
    { "resources: cpu not object", "{'cpu':5}", "cpu: expected an object, got 5" },
    { "resources: weight", "{'blockIO':{'weight':1001}}",
      "blockIO.weight: 1001 is out of range (0..1000)" },
    { "resources: weightDevice weight", "{'blockIO':{'weightDevice':[{'major':1,'minor':2,'weight':1}]}}",
      "blockIO.weightDevice[0].weight: 1 is out of range (10..1000, or 0 for unchanged)" },
    { "resources: pids limit huge", "{'pids':{'limit':9223372036854775808}}",
      "pids.limit: 9223372036854775808 is out of range (-9223372036854775808..9223372036854775807)" },
    { "resources: top array", "[]", "invalid JSON: expected an object, got an array" },
    /* update --resources: the same checks as a config's. */
    { "resources: unified cgroup.procs", "{'unified':{'cgroup.procs':'1'}}",
      "unified['cgroup.procs']: a cgroup core file, not a resource limit (of those only "
      "cgroup.max.depth and cgroup.max.descendants may be set)" },
    { "resources: unified cgroup.freeze", "{'unified':{'cgroup.freeze':'1'}}",
      "unified['cgroup.freeze']: a cgroup core file, not a resource limit (of those only "
      "cgroup.max.depth and cgroup.max.descendants may be set)" },
    { "resources: hugepage pageSize", "{'hugepageLimits':[{'pageSize':'../../x','limit':1}]}",
      "hugepageLimits[0].pageSize: invalid page size '../../x' (expected digits and KB, MB or GB, "
      "e.g. 2MB)" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_free_ char *json = dq (bad[i].json);
      _cleanup_free_ char *want = dq (bad[i].error);
      res = NULL;
      r = spec_parse_resources (json, strlen (json), &res, &err);
      CHECK (r < 0 && res == NULL && strcmp (err.msg, want) == 0, bad[i].name,
             "r=%d got \"%s\", want \"%s\"", r, err.msg, want);
      spec_resources_free (res);
    }

  /* The cgroup core limits and the kernel's page sizes are accepted. */
  const char *allowed = "{\"unified\":{\"cgroup.max.depth\":\"3\",\"cgroup.max.descendants\":\"50\","
                        "\"memory.high\":\"1G\"},\"hugepageLimits\":[{\"pageSize\":\"64KB\",\"limit\":1},"
                        "{\"pageSize\":\"2MB\",\"limit\":2},{\"pageSize\":\"1GB\",\"limit\":3}]}";
  res = NULL;
  r = spec_parse_resources (allowed, strlen (allowed), &res, &err);
  CHECK (r == 0 && res->unified.n == 3 && res->n_hugepage_limits == 3,
         "resources: cgroup.max.* and KB/MB/GB page sizes accepted", "%s", err.msg);
  spec_resources_free (res);

  /* The extremes of int64 survive a round trip. */
  const char *extremes = "{\"pids\":{\"limit\":-9223372036854775808},\"memory\":{\"limit\":9223372036854775807}}";
  res = NULL;
  r = spec_parse_resources (extremes, strlen (extremes), &res, &err);
  CHECK (r == 0 && res->pids->limit.value == INT64_MIN && res->memory->limit.value == INT64_MAX,
         "int64 extremes", "%s", err.msg);
  if (r == 0)
    {
      _cleanup_free_ char *text = NULL;
      spec_resources_to_json (res, false, &text, &err);
      CHECK_STREQ (text, "{\"memory\":{\"limit\":9223372036854775807},\"pids\":{\"limit\":-9223372036854775808}}",
                   "int64 extremes serialized");
    }
  spec_resources_free (res);
}

int
main (void)
{
  test_valid_files ();
  test_bad_configs ();
  test_versions ();
  test_misc ();
  test_process_documents ();
  test_resources_documents ();
  return UNIT_EXIT ();
}
