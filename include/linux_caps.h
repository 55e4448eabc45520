/* linux/caps: process.capabilities. The bounding set is dropped while the
 * process still holds CAP_SETPCAP; the other four sets are applied after the
 * switch to the container user (with keep-caps across it). */
#ifndef BULWARK_LINUX_CAPS_H
#define BULWARK_LINUX_CAPS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Check every name before anything changes. */
int caps_validate (const struct spec_capabilities *c, struct bw_error *err);

/* Drop every capability not in c->bounding (no-op when c is NULL). */
int caps_drop_bounding (const struct spec_capabilities *c, struct bw_error *err);

/* Keep permitted capabilities across setuid away from 0 (PR_SET_KEEPCAPS). */
int caps_keep_on_setuid (bool keep, struct bw_error *err);

/* Effective, permitted, inheritable, then ambient (no-op when c is NULL). */
int caps_apply (const struct spec_capabilities *c, struct bw_error *err);

#endif
