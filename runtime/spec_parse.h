/* spec_parse: internal helpers shared by the spec_parse*.c files (not a
 * public API). Every function reports errors at the json_ctx path and leaves
 * whatever it allocated in the model, which the caller frees as a whole. */
#ifndef BULWARK_SPEC_PARSE_H
#define BULWARK_SPEC_PARSE_H

#include "json.h"
#include "spec.h"

/* calloc that reports ENOMEM through the context. */
int sp_alloc (struct json_ctx *c, size_t n, size_t size, void *out);

/* Optional scalars: set `.set` when the field is present. */
int sp_opt_bool (struct json_ctx *c, yajl_val obj, const char *key, opt_bool *out);
int sp_opt_i32 (struct json_ctx *c, yajl_val obj, const char *key, int32_t min, int32_t max,
                opt_i32 *out);
int sp_opt_u32 (struct json_ctx *c, yajl_val obj, const char *key, uint32_t min,
                uint32_t max, opt_u32 *out);
int sp_opt_i64 (struct json_ctx *c, yajl_val obj, const char *key, opt_i64 *out);
int sp_opt_u64 (struct json_ctx *c, yajl_val obj, const char *key, uint64_t min,
                uint64_t max, opt_u64 *out);

int sp_strv (struct json_ctx *c, yajl_val obj, const char *key, struct spec_strv *out);
int sp_map (struct json_ctx *c, yajl_val obj, const char *key, struct spec_map *out);
int sp_id_mappings (struct json_ctx *c, yajl_val obj, const char *key,
                    struct spec_id_mappings *out);

/* Index of s in names[0..n), or -1. */
int sp_lookup (const char *s, const char *const *names, size_t n);

/* A string field whose value must be one of names; `what` names the kind
 * for the message: "<path>: unknown <what> \"<value>\"". */
int sp_enum (struct json_ctx *c, yajl_val obj, const char *key, const char *const *names,
             size_t n, const char *what, bool required, char **out);

/* A string-array field whose every element must be one of names. */
int sp_enum_strv (struct json_ctx *c, yajl_val obj, const char *key,
                  const char *const *names, size_t n, const char *what,
                  struct spec_strv *out);

/* Report "<path>.<key>: unknown <what> \"<value>\"". */
int sp_unknown (struct json_ctx *c, const char *what, const char *value);

/* Document parts, at the current path; obj is known to be an object. */
int sp_parse_process (struct json_ctx *c, yajl_val obj, struct spec_process *p);
int sp_parse_linux (struct json_ctx *c, yajl_val obj, struct spec *spec);
int sp_parse_resources (struct json_ctx *c, yajl_val obj, struct spec_resources *r);
int sp_parse_seccomp (struct json_ctx *c, yajl_val obj, struct spec_seccomp *s);

#endif
