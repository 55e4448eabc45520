#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

void
json_ctx_init (struct json_ctx *c, struct bw_error *err)
{
  memset (c, 0, sizeof *c);
  c->err = err;
}

static void
push_text (struct json_ctx *c, const char *sep, const char *text, const char *end)
{
  /* Past the fixed depth the marks are not recorded; pop then keeps the
   * path as is, which only affects messages of absurdly deep documents. */
  if (c->depth < JSON_PATH_DEPTH)
    c->marks[c->depth] = c->len;
  c->depth++;
  int n = snprintf (c->path + c->len, sizeof c->path - c->len, "%s%s%s", sep, text, end);
  if (n < 0)
    return;
  c->len += (size_t) n;
  if (c->len >= sizeof c->path)
    c->len = sizeof c->path - 1;
}

void
json_push_key (struct json_ctx *c, const char *key)
{
  push_text (c, c->len ? "." : "", key, "");
}

void
json_push_index (struct json_ctx *c, size_t index)
{
  char num[32];
  snprintf (num, sizeof num, "%zu", index);
  push_text (c, "[", num, "]");
}

void
json_pop (struct json_ctx *c)
{
  if (c->depth == 0)
    return;
  c->depth--;
  if (c->depth < JSON_PATH_DEPTH)
    {
      c->len = c->marks[c->depth];
      c->path[c->len] = '\0';
    }
}

int
json_fail (struct json_ctx *c, const char *fmt, ...)
{
  char msg[BW_ERROR_MAX];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (c->len)
    return bw_error_set (c->err, EINVAL, "%s: %s", c->path, msg);
  return bw_error_set (c->err, EINVAL, "%s", msg);
}

/* Append s (n bytes) to buf escaped as JSON string content, stopping before
 * `limit` output bytes; returns false when it had to stop early. */
static bool
escape_into (char *buf, size_t size, size_t *pos, const char *s, size_t limit)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      char one[8];
      if (*p == '"' || *p == '\\')
        snprintf (one, sizeof one, "\\%c", *p);
      else if (*p == '\n')
        strcpy (one, "\\n");
      else if (*p == '\t')
        strcpy (one, "\\t");
      else if (*p < 0x20 || *p == 0x7f)
        snprintf (one, sizeof one, "\\u%04x", *p);
      else if (*p >= 0x80)
        {
          /* Keep a UTF-8 sequence whole or drop it whole. */
          size_t seq = 1;
          while (p[seq] && (p[seq] & 0xc0) == 0x80 && seq < 4)
            seq++;
          if (*pos + seq > limit || *pos + seq >= size)
            return false;
          memcpy (buf + *pos, p, seq);
          *pos += seq;
          p += seq - 1;
          continue;
        }
      else
        {
          one[0] = (char) *p;
          one[1] = '\0';
        }
      size_t len = strlen (one);
      if (*pos + len > limit || *pos + len >= size)
        return false;
      memcpy (buf + *pos, one, len);
      *pos += len;
    }
  return true;
}

void
json_quote (const char *s, char *buf, size_t size)
{
  if (size < 8)
    {
      if (size)
        buf[0] = '\0';
      return;
    }
  size_t pos = 0;
  buf[pos++] = '"';
  /* pos counts the opening quote, so the content gets JSON_SHOW_MAX bytes. */
  size_t limit = JSON_SHOW_MAX + 1 < size - 5 ? JSON_SHOW_MAX + 1 : size - 5;
  bool whole = escape_into (buf, size, &pos, s, limit);
  if (!whole)
    {
      memcpy (buf + pos, "...", 3);
      pos += 3;
    }
  buf[pos++] = '"';
  buf[pos] = '\0';
}

void
json_describe (yajl_val v, char *buf, size_t size)
{
  const char *text = "null";
  if (v == NULL)
    text = "null";
  else
    switch (v->type)
      {
      case yajl_t_string:
        json_quote (v->u.string, buf, size);
        return;
      case yajl_t_number:
        {
          const char *r = v->u.number.r ? v->u.number.r : "";
          if (strlen (r) > JSON_SHOW_MAX)
            snprintf (buf, size, "%.*s...", JSON_SHOW_MAX - 3, r);
          else
            snprintf (buf, size, "%s", r);
          return;
        }
      case yajl_t_object:
        text = "an object";
        break;
      case yajl_t_array:
        text = "an array";
        break;
      case yajl_t_true:
        text = "true";
        break;
      case yajl_t_false:
        text = "false";
        break;
      default:
        text = "null";
        break;
      }
  snprintf (buf, size, "%s", text);
}

int
json_type_error (struct json_ctx *c, const char *what, yajl_val v)
{
  char shown[JSON_SHOW_MAX * 2 + 16];
  json_describe (v, shown, sizeof shown);
  return json_fail (c, "expected %s, got %s", what, shown);
}

int
json_missing (struct json_ctx *c, const char *key)
{
  json_push_key (c, key);
  return json_fail (c, "missing required field");
}

/* Refuse documents nested deeper than JSON_MAX_NESTING before yajl builds a
 * tree whose free would recurse that deep. */
static bool
nesting_ok (const char *text, size_t len)
{
  unsigned depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char ch = text[i];
      if (in_string)
        {
          if (ch == '\\')
            i++;
          else if (ch == '"')
            in_string = false;
          continue;
        }
      if (ch == '"')
        in_string = true;
      else if (ch == '[' || ch == '{')
        {
          if (++depth > JSON_MAX_NESTING)
            return false;
        }
      else if ((ch == ']' || ch == '}') && depth > 0)
        depth--;
    }
  return true;
}

/* Fold every run of white space into one blank and trim the ends. */
static void
squeeze_blanks (char *s)
{
  char *out = s;
  bool blank = true;
  for (char *p = s; *p; p++)
    {
      bool space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'
                   || *p == '\v';
      if (space)
        {
          if (!blank)
            *out++ = ' ';
          blank = true;
        }
      else
        {
          *out++ = *p;
          blank = false;
        }
    }
  if (out > s && out[-1] == ' ')
    out--;
  *out = '\0';
}

/* yajl's verbose message is three lines: the message, an excerpt of the
 * text, and a caret line ("(right here) ------^") that means nothing once
 * folded. Keep "<message> (near: <excerpt>)". */
static void
one_line (const char *yajl_msg, char *out, size_t size)
{
  char msg[512], excerpt[512] = "";
  snprintf (msg, sizeof msg, "%s", yajl_msg);
  char *nl = strchr (msg, '\n');
  if (nl)
    {
      *nl = '\0';
      snprintf (excerpt, sizeof excerpt, "%s", nl + 1);
      char *caret = strstr (excerpt, "(right here)");
      if (caret)
        *caret = '\0';
      squeeze_blanks (excerpt);
    }
  squeeze_blanks (msg);
  if (!msg[0])
    snprintf (msg, sizeof msg, "parse error");
  if (excerpt[0])
    snprintf (out, size, "%s (near: %s)", msg, excerpt);
  else
    snprintf (out, size, "%s", msg);
}

int
json_parse (const char *text, size_t len, yajl_val *out, struct bw_error *err)
{
  *out = NULL;
  if (memchr (text, '\0', len))
    return bw_error_set (err, EINVAL, "invalid JSON: unexpected NUL byte");
  if (!nesting_ok (text, len))
    return bw_error_set (err, EINVAL, "invalid JSON: nested deeper than %d levels",
                         JSON_MAX_NESTING);
  _cleanup_free_ char *copy = malloc (len + 1);
  if (!copy)
    return bw_error_set (err, ENOMEM, "invalid JSON: out of memory");
  memcpy (copy, text, len);
  copy[len] = '\0';
  char msg[512] = "";
  yajl_val tree = yajl_tree_parse (copy, msg, sizeof msg);
  if (!tree)
    {
      char line[600];
      one_line (msg, line, sizeof line);
      return bw_error_set (err, EINVAL, "invalid JSON: %s", line);
    }
  *out = tree;
  return 0;
}

yajl_val
json_member (yajl_val obj, const char *key)
{
  if (!YAJL_IS_OBJECT (obj))
    return NULL;
  /* Duplicate keys: the last one wins, as with Go's encoding/json, so that
   * bulwark reads a config the way runc and its callers do. */
  yajl_val found = NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      found = obj->u.object.values[i];
  if (YAJL_IS_NULL (found))
    return NULL;
  return found;
}

int
json_as_object (struct json_ctx *c, yajl_val v)
{
  return YAJL_IS_OBJECT (v) ? 0 : json_type_error (c, "an object", v);
}

int
json_as_array (struct json_ctx *c, yajl_val v)
{
  return YAJL_IS_ARRAY (v) ? 0 : json_type_error (c, "an array", v);
}

int
json_as_string (struct json_ctx *c, yajl_val v, char **out)
{
  if (!YAJL_IS_STRING (v))
    return json_type_error (c, "a string", v);
  char *s = strdup (v->u.string);
  if (!s)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  *out = s;
  return 0;
}

int
json_as_bool (struct json_ctx *c, yajl_val v, bool *out)
{
  if (YAJL_IS_TRUE (v))
    *out = true;
  else if (YAJL_IS_FALSE (v))
    *out = false;
  else
    return json_type_error (c, "a boolean", v);
  return 0;
}

/* Integers are read from yajl's raw text: yajl_tree only fills the long
 * long for values that fit, and never for INT64_MIN or values above it. */
static bool
integer_syntax (yajl_val v)
{
  if (!YAJL_IS_NUMBER (v) || !v->u.number.r)
    return false;
  const char *p = v->u.number.r;
  if (*p == '-')
    p++;
  if (!*p)
    return false;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return false;
  return true;
}

int
json_as_int64 (struct json_ctx *c, yajl_val v, int64_t min, int64_t max, int64_t *out)
{
  if (!integer_syntax (v))
    return json_type_error (c, "an integer", v);
  errno = 0;
  char *end = NULL;
  long long n = strtoll (v->u.number.r, &end, 10);
  if (errno == ERANGE || n < min || n > max)
    return json_fail (c, "%s is out of range (%" PRId64 "..%" PRId64 ")", v->u.number.r, min,
                      max);
  *out = n;
  return 0;
}

int
json_as_uint64 (struct json_ctx *c, yajl_val v, uint64_t min, uint64_t max, uint64_t *out)
{
  if (!integer_syntax (v))
    return json_type_error (c, "an integer", v);
  const char *r = v->u.number.r;
  errno = 0;
  unsigned long long n = r[0] == '-' ? 0 : strtoull (r, NULL, 10);
  /* "-0" is zero; any other negative number is out of range. */
  bool negative = r[0] == '-' && strspn (r + 1, "0") != strlen (r + 1);
  if (negative || errno == ERANGE || n < min || n > max)
    return json_fail (c, "%s is out of range (%" PRIu64 "..%" PRIu64 ")", r, min, max);
  *out = n;
  return 0;
}

int
json_as_strv (struct json_ctx *c, yajl_val v, char ***out, size_t *n)
{
  if (!YAJL_IS_ARRAY (v))
    return json_type_error (c, "an array of strings", v);
  size_t len = v->u.array.len;
  char **list = calloc (len + 1, sizeof *list);
  if (!list)
    return bw_error_set (c->err, ENOMEM, "out of memory");
  for (size_t i = 0; i < len; i++)
    {
      json_push_index (c, i);
      int r = json_as_string (c, v->u.array.values[i], &list[i]);
      if (r < 0)
        {
          bw_strvfree (list);
          return r;
        }
      json_pop (c);
    }
  *out = list;
  *n = len;
  return 0;
}

struct key_ref
{
  const char *key;
  size_t index;
};

static int
key_ref_cmp (const void *a, const void *b)
{
  const struct key_ref *x = a, *y = b;
  int r = strcmp (x->key, y->key);
  if (r)
    return r;
  return x->index < y->index ? -1 : x->index > y->index;
}

bool *
json_last_keys (yajl_val obj)
{
  size_t len = YAJL_IS_OBJECT (obj) ? obj->u.object.len : 0;
  bool *keep = calloc (len + 1, sizeof *keep);
  struct key_ref *refs = calloc (len + 1, sizeof *refs);
  if (!keep || !refs)
    {
      free (keep);
      free (refs);
      return NULL;
    }
  for (size_t i = 0; i < len; i++)
    refs[i] = (struct key_ref){ obj->u.object.keys[i], i };
  /* Sorting keeps this O(n log n) even for huge hostile objects. */
  qsort (refs, len, sizeof *refs, key_ref_cmp);
  for (size_t i = 0; i < len; i++)
    keep[refs[i].index] = i + 1 == len || strcmp (refs[i].key, refs[i + 1].key) != 0;
  free (refs);
  return keep;
}

int
json_as_string_map (struct json_ctx *c, yajl_val v, char ***out, size_t *n_pairs)
{
  if (!YAJL_IS_OBJECT (v))
    return json_type_error (c, "an object", v);
  size_t len = v->u.object.len;
  _cleanup_free_ bool *keep = json_last_keys (v);
  char **list = calloc (2 * len + 1, sizeof *list);
  if (!list || !keep)
    {
      free (list);
      return bw_error_set (c->err, ENOMEM, "out of memory");
    }
  size_t pairs = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (!keep[i])
        continue;
      const char *key = v->u.object.keys[i];
      json_push_key (c, key);
      char *value = NULL;
      int r = json_as_string (c, v->u.object.values[i], &value);
      if (r < 0)
        {
          bw_strvfree (list);
          return r;
        }
      json_pop (c);
      char *key_copy = strdup (key);
      if (!key_copy)
        {
          free (value);
          bw_strvfree (list);
          return bw_error_set (c->err, ENOMEM, "out of memory");
        }
      list[2 * pairs] = key_copy;
      list[2 * pairs + 1] = value;
      pairs++;
    }
  *out = list;
  *n_pairs = pairs;
  return 0;
}

/* Shared shape of the field getters: look up, push, convert, pop. */
#define FIELD_GETTER(obj, key, convert)                                       \
  do                                                                          \
    {                                                                         \
      yajl_val v = json_member ((obj), (key));                                \
      if (!v)                                                                 \
        return 0;                                                             \
      json_push_key (c, (key));                                               \
      int r = (convert);                                                      \
      if (r < 0)                                                              \
        return r;                                                             \
      json_pop (c);                                                           \
      return 1;                                                               \
    }                                                                         \
  while (0)

int
json_get_object (struct json_ctx *c, yajl_val obj, const char *key, yajl_val *out)
{
  FIELD_GETTER (obj, key, (*out = v, json_as_object (c, v)));
}

int
json_get_array (struct json_ctx *c, yajl_val obj, const char *key, yajl_val *out)
{
  FIELD_GETTER (obj, key, (*out = v, json_as_array (c, v)));
}

int
json_get_string (struct json_ctx *c, yajl_val obj, const char *key, char **out)
{
  FIELD_GETTER (obj, key, json_as_string (c, v, out));
}

int
json_get_bool (struct json_ctx *c, yajl_val obj, const char *key, bool *out)
{
  FIELD_GETTER (obj, key, json_as_bool (c, v, out));
}

int
json_get_int64 (struct json_ctx *c, yajl_val obj, const char *key, int64_t min, int64_t max,
                int64_t *out)
{
  FIELD_GETTER (obj, key, json_as_int64 (c, v, min, max, out));
}

int
json_get_int32 (struct json_ctx *c, yajl_val obj, const char *key, int32_t min, int32_t max,
                int32_t *out)
{
  int64_t n = 0;
  int r = json_get_int64 (c, obj, key, min, max, &n);
  if (r > 0)
    *out = (int32_t) n;
  return r;
}

int
json_get_uint64 (struct json_ctx *c, yajl_val obj, const char *key, uint64_t min,
                 uint64_t max, uint64_t *out)
{
  FIELD_GETTER (obj, key, json_as_uint64 (c, v, min, max, out));
}

int
json_get_uint32 (struct json_ctx *c, yajl_val obj, const char *key, uint32_t min,
                 uint32_t max, uint32_t *out)
{
  uint64_t n = 0;
  int r = json_get_uint64 (c, obj, key, min, max, &n);
  if (r > 0)
    *out = (uint32_t) n;
  return r;
}

int
json_get_strv (struct json_ctx *c, yajl_val obj, const char *key, char ***out, size_t *n)
{
  FIELD_GETTER (obj, key, json_as_strv (c, v, out, n));
}

int
json_get_string_map (struct json_ctx *c, yajl_val obj, const char *key, char ***out,
                     size_t *n_pairs)
{
  FIELD_GETTER (obj, key, json_as_string_map (c, v, out, n_pairs));
}
