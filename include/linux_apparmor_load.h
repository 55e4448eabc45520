/* linux/apparmor_load: making sure an AppArmor profile is in the kernel
 * before a container is labelled with it. The kernel's list of loaded
 * profiles is read first; only when the profile is missing is apparmor_parser
 * run (the one helper process bulwark may start, and never on the start path
 * of a host where the profile is already loaded). */
#ifndef BULWARK_LINUX_APPARMOR_LOAD_H
#define BULWARK_LINUX_APPARMOR_LOAD_H

#include <stdbool.h>

#include "error.h"

/* Where the kernel lists its loaded profiles, one "NAME (MODE)" a line. */
#define APPARMOR_PROFILES_FILE "/sys/kernel/security/apparmor/profiles"

/* Where apparmor_parser is looked for after the directories of $PATH: the
 * runtime is often started with a PATH that lacks the sbin directories. */
#define APPARMOR_PARSER_FALLBACK_PATH "/usr/sbin:/sbin"

/* Pure: whether the text of a profiles list names profile `name` (in any
 * mode: enforce, complain, kill, unconfined). A line is "NAME (MODE)"; the
 * name is everything before the last " (", so names with spaces work. */
bool apparmor_profiles_list_has (const char *list, const char *name);

/* Ensure profile `name` is loaded: when APPARMOR_PROFILES_FILE does not list
 * it, run `apparmor_parser -r -W profile_path` (replace, write the cache) and
 * check the list again. Errors name the profile and say why: AppArmor not
 * active (securityfs unreadable), apparmor_parser missing, the parser's own
 * first error line, or a profile file that does not define `name`. */
int apparmor_ensure_loaded (const char *name, const char *profile_path, struct bw_error *err);

/* apparmor_ensure_loaded with the profiles list read from `profiles_file`
 * and apparmor_parser searched in the colon-separated `search_path` (its
 * absolute entries only): the seam the unit tests use to run it against a
 * fake kernel list and parser. */
int apparmor_ensure_loaded_using (const char *profiles_file, const char *search_path,
                                  const char *name, const char *profile_path,
                                  struct bw_error *err);

#endif
