/* jsonget: typed getters over a parsed JSON object, for config files.
 *
 * Each getter reads obj[key], checks its type and range, and on failure
 * records "FILE: PATH.KEY: what is wrong, got VALUE" (ERR_INPUT) and returns
 * it; an absent optional key gives the default. path is the key path of
 * obj in the file ("runs[2].optimizer"), "" at the top level. */
#ifndef OVERPARAM_JSONGET_H
#define OVERPARAM_JSONGET_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct json_ctx {
	const char *file;
	char *base_dir; /* config_base_dir(file): for relative data paths */
	unsigned long long seed;
	/* A run merged with the config's defaults (run_path "runs[2]"): an
	 * error at run_path.SECTION.KEY... that the run does not set but
	 * defaults does names defaults.SECTION.KEY..., where it is written. */
	const char *run_path;
	const cJSON *run, *defaults;
};

/* The directory a config's relative paths (data.dir, data.path) resolve
 * against, absolute when it exists: the config file's own, except for a
 * run directory's copy (DIR/config.json beside a metadata.json that names
 * it as its config_copy), whose paths were written for the config it was
 * copied from: that metadata's config_dir, or for run directories made
 * before config_dir was recorded the directory of an absolute config_file.
 * So `overparam run DIR/config.json` finds the data the run used. NULL
 * when out of memory. */
char *config_base_dir(const char *config_path);

/* Records "FILE: PATH: message" (or "FILE: message" for an empty path);
 * returns ERR_INPUT. */
int json_fail(const struct json_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "base.key", or "key" when base is "", into buf. */
const char *json_key_path(char *buf, size_t n, const char *base, const char *key);

/* "a number", "a string", ... for messages. */
const char *json_type_name(const cJSON *v);

/* The allowed key (NULL-terminated list) nearest to key, if it is within
 * 2 edits and fewer edits than its own length; NULL if none. */
const char *json_did_you_mean(const char *key, const char *const *allowed);

/* Every key of obj must be in allowed (NULL-terminated); no duplicates.
 * The message lists the allowed keys, and the nearest one to a misspelt key. */
int json_check_keys(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *const *allowed);

/* An object member; *out = NULL when absent and not required. */
int json_get_object(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *key, int required, const cJSON **out);

enum json_bound { JSON_OPEN, JSON_CLOSED, JSON_NONE };

/* A finite number, > lo (JSON_OPEN) or >= lo (JSON_CLOSED) or unbounded
 * below (JSON_NONE), and <= hi. */
int json_get_number(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *key, int required, double def, double lo,
		    enum json_bound lo_b, double hi, double *out);

/* An integer in lo..hi. */
/* 2^53: the integers up to it are exact in JSON's numbers (doubles). */
#define JSON_EXACT_INT 9007199254740992.0

/* A seed: an integer number 0..2^53, or a string of decimal digits for any
 * value up to 2^64-1 (beyond 2^53 a JSON number would lose bits). */
int json_get_seed(const struct json_ctx *c, const cJSON *obj, const char *path,
		  const char *key, int required, unsigned long long def, unsigned long long *out);

/* The seed as json_get_seed reads it back: a number up to 2^53, else a
 * string of its digits. */
cJSON *json_seed_item(unsigned long long seed);

int json_get_long(const struct json_ctx *c, const cJSON *obj, const char *path,
		  const char *key, int required, long def, long lo, long hi, long *out);
int json_get_int(const struct json_ctx *c, const cJSON *obj, const char *path,
		 const char *key, int required, int def, int lo, int hi, int *out);

/* A string (borrowed from obj). */
int json_get_string(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *key, int required, const char *def, const char **out);

/* true or false. */
int json_get_bool(const struct json_ctx *c, const cJSON *obj, const char *path,
		  const char *key, int def, int *out);

/* cJSON_Print(root) with every number printed so that it reads back to
 * the same double: cJSON's own printer keeps 15 digits whenever they come
 * within a relative DBL_EPSILON of the value, which turns a seed of
 * 9007199254740991 into ...990 and 0.0010000000000000002 into 0.001. Each
 * such number of root becomes a raw item holding the shortest of %.15g,
 * %.16g, %.17g that reads back exactly (root is changed; free the text). */
char *json_print_exact(cJSON *root);

#endif
