/* state_json: state.json (our own record, written with yajl_gen and read with
 * yajl_tree), the runc-compatible `state` output, and RFC 3339 times. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "state.h"

#define STATE_FILE "state.json"
/* Bumped when the meaning of a field changes; read refuses newer files. */
#define STATE_FORMAT_VERSION 1
/* Annotations make state.json grow with the config; this is generous. */
#define STATE_FILE_MAX (16u << 20)

static const char *const status_names[] = {
  [STATUS_CREATING] = "creating",
  [STATUS_CREATED] = "created",
  [STATUS_RUNNING] = "running",
  [STATUS_PAUSED] = "paused",
  [STATUS_STOPPED] = "stopped",
};

const char *
state_status_name (enum container_status s)
{
  if ((unsigned) s < sizeof status_names / sizeof status_names[0])
    return status_names[s];
  return "unknown";
}

static int
status_from_name (const char *name, enum container_status *out)
{
  for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
    if (strcmp (status_names[i], name) == 0)
      {
        *out = (enum container_status) i;
        return 0;
      }
  return -1;
}

void
state_record_clear (struct state_record *rec)
{
  if (!rec)
    return;
  free (rec->id);
  free (rec->bundle);
  free (rec->rootfs);
  free (rec->created);
  free (rec->owner);
  free (rec->cgroup_path);
  for (size_t i = 0; i < rec->annotations.n; i++)
    {
      free (rec->annotations.items[i].key);
      free (rec->annotations.items[i].value);
    }
  free (rec->annotations.items);
  memset (rec, 0, sizeof *rec);
}

/* ------------------------------------------------------------ time */

void
state_format_rfc3339 (const struct timespec *ts, char buf[STATE_RFC3339_MAX])
{
  struct tm tm;
  time_t secs = ts->tv_sec;
  if (!gmtime_r (&secs, &tm))
    memset (&tm, 0, sizeof tm);
  size_t n = strftime (buf, STATE_RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
  long nsec = ts->tv_nsec;
  if (nsec > 0 && nsec < 1000000000L)
    {
      char frac[16];
      snprintf (frac, sizeof frac, ".%09ld", nsec);
      size_t len = strlen (frac);
      while (frac[len - 1] == '0')
        frac[--len] = '\0';
      n += (size_t) snprintf (buf + n, STATE_RFC3339_MAX - n, "%s", frac);
    }
  snprintf (buf + n, STATE_RFC3339_MAX - n, "Z");
}

int
state_now_rfc3339 (char **out, struct bw_error *err)
{
  struct timespec ts;
  char buf[STATE_RFC3339_MAX];
  if (clock_gettime (CLOCK_REALTIME, &ts) < 0)
    return bw_error_syscall (err, "clock_gettime");
  state_format_rfc3339 (&ts, buf);
  *out = strdup (buf);
  if (!*out)
    return bw_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* ------------------------------------------------------------ state.json: write */

static int
gen_string (yajl_gen g, const char *field, const char *s, struct bw_error *err)
{
  if (!s)
    s = "";
  yajl_gen_status st = yajl_gen_string (g, (const unsigned char *) s, strlen (s));
  if (st == yajl_gen_invalid_string)
    return bw_error_set (err, EINVAL, "state.json: %s is not valid UTF-8", field);
  if (st != yajl_gen_status_ok)
    return bw_error_set (err, EINVAL, "state.json: cannot write %s (yajl status %d)", field,
                         (int) st);
  return 0;
}

static int
gen_field (yajl_gen g, const char *key, const char *value, struct bw_error *err)
{
  int ret = gen_string (g, "a key", key, err);
  return ret < 0 ? ret : gen_string (g, key, value, err);
}

static int
gen_int_field (yajl_gen g, const char *key, long long value, struct bw_error *err)
{
  int ret = gen_string (g, "a key", key, err);
  if (ret == 0 && yajl_gen_integer (g, value) != yajl_gen_status_ok)
    ret = bw_error_set (err, EINVAL, "state.json: cannot write %s", key);
  return ret;
}

static int
gen_record (yajl_gen g, const struct state_record *rec, struct bw_error *err)
{
  if (rec->pid < 0 || rec->pid_start_time > (uint64_t) INT64_MAX)
    return bw_error_set (err, EINVAL, "state.json: pid %d / start time %" PRIu64 " out of range",
                         (int) rec->pid, rec->pid_start_time);
  int ret = 0;
  yajl_gen_map_open (g);
  if (ret == 0)
    ret = gen_int_field (g, "version", STATE_FORMAT_VERSION, err);
  if (ret == 0)
    ret = gen_field (g, "id", rec->id, err);
  if (ret == 0)
    ret = gen_field (g, "status", state_status_name (rec->status), err);
  if (ret == 0)
    ret = gen_int_field (g, "pid", rec->pid, err);
  if (ret == 0)
    ret = gen_int_field (g, "pidStartTime", (long long) rec->pid_start_time, err);
  if (ret == 0)
    ret = gen_field (g, "bundle", rec->bundle, err);
  if (ret == 0)
    ret = gen_field (g, "rootfs", rec->rootfs, err);
  if (ret == 0)
    ret = gen_field (g, "created", rec->created, err);
  if (ret == 0)
    ret = gen_field (g, "owner", rec->owner, err);
  if (ret == 0 && rec->cgroup_path)
    ret = gen_field (g, "cgroupPath", rec->cgroup_path, err);
  if (ret == 0 && rec->annotations.set)
    {
      ret = gen_string (g, "a key", "annotations", err);
      yajl_gen_map_open (g);
      for (size_t i = 0; ret == 0 && i < rec->annotations.n; i++)
        {
          ret = gen_string (g, "an annotation key", rec->annotations.items[i].key, err);
          if (ret == 0)
            ret = gen_string (g, "an annotation value", rec->annotations.items[i].value, err);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  return ret;
}

int
state_write (struct state_handle *h, const struct state_record *rec, struct bw_error *err)
{
  if (!rec->id)
    return bw_error_set (err, EINVAL, "state.json: the record has no id");
  yajl_gen g = yajl_gen_alloc (NULL);
  if (!g)
    return bw_error_set (err, ENOMEM, "out of memory");
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "  ");
  /* yajl_tree refuses invalid UTF-8 when reading back: refuse it here, where
   * the message can name the field. */
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);

  int ret = gen_record (g, rec, err);
  if (ret == 0)
    {
      const unsigned char *buf;
      size_t len;
      yajl_gen_get_buf (g, &buf, &len);
      ret = state_write_file (h, STATE_FILE, buf, len, err);
    }
  yajl_gen_free (g);
  return ret;
}

/* ------------------------------------------------------------ state.json: read */

struct reader
{
  yajl_val root;
  const char *file;            /* for messages */
  struct bw_error *err;
};

static yajl_val
member (yajl_val obj, const char *key)
{
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      return obj->u.object.values[i];
  return NULL;
}

/* Required unless `optional`; absent optional fields leave *out NULL. */
static int
read_string (struct reader *r, const char *key, bool optional, char **out)
{
  yajl_val v = member (r->root, key);
  if (!v && optional)
    return 0;
  if (!v)
    return bw_error_set (r->err, EINVAL, "%s: missing field \"%s\"", r->file, key);
  if (!YAJL_IS_STRING (v))
    return bw_error_set (r->err, EINVAL, "%s: field \"%s\": expected a string", r->file, key);
  *out = strdup (v->u.string);
  return *out ? 0 : bw_error_set (r->err, ENOMEM, "out of memory");
}

static int
read_integer (struct reader *r, const char *key, long long max, long long *out)
{
  yajl_val v = member (r->root, key);
  if (!v)
    return bw_error_set (r->err, EINVAL, "%s: missing field \"%s\"", r->file, key);
  if (!YAJL_IS_INTEGER (v) || YAJL_GET_INTEGER (v) < 0 || YAJL_GET_INTEGER (v) > max)
    return bw_error_set (r->err, EINVAL, "%s: field \"%s\": expected an integer from 0 to %lld",
                         r->file, key, max);
  *out = YAJL_GET_INTEGER (v);
  return 0;
}

static int
read_annotations (struct reader *r, struct spec_map *map)
{
  yajl_val v = member (r->root, "annotations");
  if (!v)
    return 0;
  if (!YAJL_IS_OBJECT (v))
    return bw_error_set (r->err, EINVAL, "%s: field \"annotations\": expected an object", r->file);
  map->set = true;
  size_t n = v->u.object.len;
  if (n == 0)
    return 0;
  map->items = calloc (n, sizeof *map->items);
  if (!map->items)
    return bw_error_set (r->err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      yajl_val value = v->u.object.values[i];
      if (!YAJL_IS_STRING (value))
        return bw_error_set (r->err, EINVAL, "%s: annotation \"%.64s\": expected a string",
                             r->file, v->u.object.keys[i]);
      map->items[i].key = strdup (v->u.object.keys[i]);
      map->items[i].value = strdup (value->u.string);
      map->n = i + 1;
      if (!map->items[i].key || !map->items[i].value)
        return bw_error_set (r->err, ENOMEM, "out of memory");
    }
  return 0;
}

static int
read_record (struct reader *r, struct state_record *rec)
{
  long long version, pid, start_time;
  _cleanup_free_ char *status = NULL;
  int ret = read_integer (r, "version", INT_MAX, &version);
  if (ret == 0 && version > STATE_FORMAT_VERSION)
    return bw_error_set (r->err, EINVAL, "%s: format version %lld is newer than this runtime's (%d)",
                         r->file, version, STATE_FORMAT_VERSION);
  if (ret == 0)
    ret = read_string (r, "id", false, &rec->id);
  if (ret == 0)
    ret = read_string (r, "status", false, &status);
  if (ret == 0 && status_from_name (status, &rec->status) < 0)
    return bw_error_set (r->err, EINVAL, "%s: field \"status\": unknown status \"%.32s\"", r->file,
                         status);
  if (ret == 0)
    ret = read_integer (r, "pid", INT_MAX, &pid);
  if (ret == 0)
    ret = read_integer (r, "pidStartTime", LLONG_MAX, &start_time);
  if (ret == 0)
    {
      rec->pid = (pid_t) pid;
      rec->pid_start_time = (uint64_t) start_time;
      ret = read_string (r, "bundle", false, &rec->bundle);
    }
  if (ret == 0)
    ret = read_string (r, "rootfs", false, &rec->rootfs);
  if (ret == 0)
    ret = read_string (r, "created", false, &rec->created);
  if (ret == 0)
    ret = read_string (r, "owner", false, &rec->owner);
  if (ret == 0)
    ret = read_string (r, "cgroupPath", true, &rec->cgroup_path);
  if (ret == 0)
    ret = read_annotations (r, &rec->annotations);
  return ret;
}

/* yajl's messages span lines and point at the error with an arrow: keep one
 * line, whitespace runs collapsed, without the arrow. */
static void
one_line (char *s)
{
  char *arrow = strstr (s, "(right here)");
  if (arrow)
    *arrow = '\0';
  size_t out = 0;
  for (size_t i = 0; s[i]; i++)
    {
      bool space = s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t';
      if (space && (out == 0 || s[out - 1] == ' '))
        continue;
      s[out++] = space ? ' ' : s[i];
    }
  while (out > 0 && s[out - 1] == ' ')
    out--;
  s[out] = '\0';
}

int
state_read (struct state_handle *h, struct state_record *rec, struct bw_error *err)
{
  memset (rec, 0, sizeof *rec);
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ char *file = NULL;
  if (asprintf (&file, "%s/%s", h->dir, STATE_FILE) < 0)
    return bw_error_set (err, ENOMEM, "out of memory");
  int ret = state_read_file (h, STATE_FILE, STATE_FILE_MAX, &text, NULL, err);
  if (ret < 0)
    return ret;

  char yajl_msg[256] = "";
  yajl_val root = yajl_tree_parse (text, yajl_msg, sizeof yajl_msg);
  if (!root)
    {
      one_line (yajl_msg);
      return bw_error_set (err, EINVAL, "%s: invalid JSON: %s", file,
                           yajl_msg[0] ? yajl_msg : "parse error");
    }
  struct reader r = { .root = root, .file = file, .err = err };
  if (!YAJL_IS_OBJECT (root))
    ret = bw_error_set (err, EINVAL, "%s: expected a JSON object", file);
  else
    ret = read_record (&r, rec);
  yajl_tree_free (root);
  if (ret == 0 && strcmp (rec->id, h->id) != 0)
    ret = bw_error_set (err, EINVAL, "%s: holds id \"%.64s\", expected \"%.64s\"", file, rec->id,
                        h->id);
  if (ret < 0)
    state_record_clear (rec);
  return ret;
}
