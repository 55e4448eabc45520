/* linux/seccomp_agent: the runtime-spec "seccomp agent" side of
 * SCMP_ACT_NOTIFY: the socket to linux.seccomp.listenerPath and the
 * container process state message that goes with the notify fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "json.h"
#include "linux_seccomp.h"

#define AGENT_OCI_VERSION "1.3.0"

int
seccomp_agent_connect (const char *path, int *out, struct bw_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (!path || !path[0])
    return bw_error_set (err, EINVAL, "empty path");
  if (strlen (path) >= sizeof addr.sun_path)
    return bw_error_set (err, ENAMETOOLONG, "socket path %s is too long", path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return bw_error_syscall (err, "socket");
  int ret;
  do
    ret = connect (sock, (struct sockaddr *) &addr, sizeof addr);
  while (ret < 0 && errno == EINTR);
  if (ret < 0)
    return bw_error_syscall (err, "connect to %s", path);
  *out = bw_steal_fd (sock);
  return 0;
}

static bool
gen_str (yajl_gen g, const char *s)
{
  return yajl_gen_string (g, (const unsigned char *) s, strlen (s)) == yajl_gen_status_ok;
}

static bool
gen_kv (yajl_gen g, const char *key, const char *value)
{
  return gen_str (g, key) && gen_str (g, value ? value : "");
}

/* Copy the generator's output so far into *out, with `tail` appended. */
static int
gen_take (yajl_gen g, const char *tail, char **out, struct bw_error *err)
{
  const unsigned char *buf;
  size_t len;
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    return bw_error_set (err, EINVAL, "seccomp agent message: generate JSON");
  if (asprintf (out, "%.*s%s", (int) len, (const char *) buf, tail) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  return 0;
}

static bool
gen_annotations (yajl_gen g, const struct spec_map *m)
{
  bool ok = gen_str (g, "annotations") && yajl_gen_map_open (g) == yajl_gen_status_ok;
  for (size_t i = 0; ok && m && i < m->n; i++)
    {
      /* A repeated key counts once, with its last value (as a Go map). */
      bool later = false;
      for (size_t j = i + 1; j < m->n && !later; j++)
        later = strcmp (m->items[i].key, m->items[j].key) == 0;
      if (!later)
        ok = gen_kv (g, m->items[i].key, m->items[i].value);
    }
  return ok && yajl_gen_map_close (g) == yajl_gen_status_ok;
}

int
seccomp_agent_state (const char *id, const char *status, pid_t pid, const char *bundle,
                     const struct spec_map *annotations, char **out, struct bw_error *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  bool ok = yajl_gen_map_open (g) == yajl_gen_status_ok && gen_kv (g, "ociVersion", AGENT_OCI_VERSION)
            && gen_kv (g, "id", id) && gen_kv (g, "status", status) && gen_str (g, "pid")
            && yajl_gen_integer (g, pid) == yajl_gen_status_ok && gen_kv (g, "bundle", bundle);
  if (ok && annotations && annotations->n > 0)
    ok = gen_annotations (g, annotations);
  ok = ok && yajl_gen_map_close (g) == yajl_gen_status_ok;
  int ret = ok ? gen_take (g, "", out, err)
               : bw_error_set (err, EINVAL, "seccomp agent state: generate JSON");
  yajl_gen_free (g);
  return ret;
}

int
seccomp_agent_message (pid_t pid, const char *metadata, const char *state_json, char **out,
                       struct bw_error *err)
{
  /* The state goes in as it is: check first that it is one JSON object. */
  yajl_val state = NULL;
  int ret = json_parse (state_json, strlen (state_json), &state, err);
  if (ret < 0)
    return bw_error_prefix (err, "seccomp agent state");
  bool is_object = YAJL_IS_OBJECT (state);
  yajl_tree_free (state);
  if (!is_object)
    return bw_error_set (err, EINVAL, "seccomp agent state: not a JSON object");

  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  bool ok = yajl_gen_map_open (g) == yajl_gen_status_ok
            && gen_kv (g, "ociVersion", AGENT_OCI_VERSION) && gen_str (g, "fds")
            && yajl_gen_array_open (g) == yajl_gen_status_ok && gen_str (g, "seccompFd")
            && yajl_gen_array_close (g) == yajl_gen_status_ok && gen_str (g, "pid")
            && yajl_gen_integer (g, pid) == yajl_gen_status_ok;
  if (ok && metadata && metadata[0])
    ok = gen_kv (g, "metadata", metadata);
  /* yajl cannot splice in a finished document: the map is left open, and
   * the state and the closing brace are appended as text. */
  _cleanup_free_ char *tail = NULL;
  if (ok && asprintf (&tail, ",\"state\":%s}", state_json) < 0)
    ret = bw_error_set (err, ENOMEM, "out of memory");
  else if (!ok)
    ret = bw_error_set (err, EINVAL, "seccomp agent message: generate JSON");
  else
    ret = gen_take (g, tail, out, err);
  yajl_gen_free (g);
  return ret;
}
