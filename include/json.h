/* json: helpers over yajl_tree for parsers that must name the exact JSON path
 * of a bad value ("mounts[3].options[0]: expected a string, got 3").
 * Owns the parse step (with a nesting limit and one-line yajl errors), the
 * path builder, and type-checked getters. Knows nothing about the OCI spec. */
#ifndef BULWARK_JSON_H
#define BULWARK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "error.h"

/* Deeper documents are refused before yajl sees them: yajl_tree_free
 * recurses, and no OCI document nests anywhere near this deep. */
#define JSON_MAX_NESTING 64

/* How much of an offending value an error message shows. */
#define JSON_SHOW_MAX 40

#define JSON_PATH_MAX 512
#define JSON_PATH_DEPTH 32

/* Parsing context: where errors go, and the path of the value being read. */
struct json_ctx
{
  struct bw_error *err;
  char path[JSON_PATH_MAX];
  size_t len;
  size_t marks[JSON_PATH_DEPTH];
  unsigned depth;
};

void json_ctx_init (struct json_ctx *c, struct bw_error *err);

/* Path builder: push a key ("linux" then "resources" gives
 * "linux.resources") or an index ("[3]"); pop undoes the last push. */
void json_push_key (struct json_ctx *c, const char *key);
void json_push_index (struct json_ctx *c, size_t index);
void json_pop (struct json_ctx *c);

/* Set err to "<path>: <message>" (just the message at the top level);
 * returns -EINVAL. */
int json_fail (struct json_ctx *c, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* "<path>: expected <what>, got <value>", e.g. what = "an integer". */
int json_type_error (struct json_ctx *c, const char *what, yajl_val v);

/* The JSON text of v for messages: strings quoted and escaped, numbers as
 * written, "an object", "an array", "null"; cut to about JSON_SHOW_MAX. */
void json_describe (yajl_val v, char *buf, size_t size);

/* A string quoted the same way, for "unknown capability \"CAP_FOO\"". */
void json_quote (const char *s, char *buf, size_t size);

/* Parse text (len bytes, need not be NUL-terminated). Errors:
 * "invalid JSON: <yajl's message on one line>". Free with yajl_tree_free. */
int json_parse (const char *text, size_t len, yajl_val *out, struct bw_error *err);

/* The member `key` of an object, or NULL when absent or JSON null (null is
 * taken as absent, as Go's encoding/json does for the OCI types). */
yajl_val json_member (yajl_val obj, const char *key);

/* For an object used as a map: a malloc'd array telling, for each member,
 * whether it is the last one with its key (the one that counts). NULL when
 * out of memory. */
bool *json_last_keys (yajl_val obj);

/* Value conversions. They check the type of v and report errors at the
 * current path. Strings are strdup'd into *out. */
int json_as_object (struct json_ctx *c, yajl_val v);
int json_as_array (struct json_ctx *c, yajl_val v);
int json_as_string (struct json_ctx *c, yajl_val v, char **out);
int json_as_bool (struct json_ctx *c, yajl_val v, bool *out);
int json_as_int64 (struct json_ctx *c, yajl_val v, int64_t min, int64_t max, int64_t *out);
int json_as_uint64 (struct json_ctx *c, yajl_val v, uint64_t min, uint64_t max, uint64_t *out);
/* A NULL-terminated array of strdup'd strings; *n gets the count. */
int json_as_strv (struct json_ctx *c, yajl_val v, char ***out, size_t *n);
/* An object of strings: out gets key0, value0, key1, value1, ..., NULL.
 * A repeated key counts once, with its last value. */
int json_as_string_map (struct json_ctx *c, yajl_val v, char ***out, size_t *n_pairs);

/* Field getters: look up `key` in obj, push it on the path, convert, pop.
 * They return 1 when the field is present, 0 when absent (out untouched),
 * or a negative errno after setting the error. */
int json_get_object (struct json_ctx *c, yajl_val obj, const char *key, yajl_val *out);
int json_get_array (struct json_ctx *c, yajl_val obj, const char *key, yajl_val *out);
int json_get_string (struct json_ctx *c, yajl_val obj, const char *key, char **out);
int json_get_bool (struct json_ctx *c, yajl_val obj, const char *key, bool *out);
int json_get_int64 (struct json_ctx *c, yajl_val obj, const char *key, int64_t min,
                    int64_t max, int64_t *out);
int json_get_int32 (struct json_ctx *c, yajl_val obj, const char *key, int32_t min,
                    int32_t max, int32_t *out);
int json_get_uint64 (struct json_ctx *c, yajl_val obj, const char *key, uint64_t min,
                     uint64_t max, uint64_t *out);
int json_get_uint32 (struct json_ctx *c, yajl_val obj, const char *key, uint32_t min,
                     uint32_t max, uint32_t *out);
int json_get_strv (struct json_ctx *c, yajl_val obj, const char *key, char ***out, size_t *n);
int json_get_string_map (struct json_ctx *c, yajl_val obj, const char *key, char ***out,
                         size_t *n_pairs);

/* "<path>.<key>: missing required field". */
int json_missing (struct json_ctx *c, const char *key);

#endif
