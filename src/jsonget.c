/* jsonget: typed getters over cJSON objects that know the key path, so
 * every error names the file, the key and the offending value (see
 * jsonget.h). Shared by the linear experiments' config and the convnet's. */
/* realpath: XSI, not in _POSIX_C_SOURCE alone */
#define _XOPEN_SOURCE 700
#include "overparam/jsonget.h"
#include "overparam/error.h"
#include "overparam/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A run directory's record of where its config came from, or NULL. */
static char *copied_from_dir(const char *config_path)
{
	char *dir = path_dirname(config_path), *meta = dir ? path_join(dir, "metadata.json") : NULL;
	char *text = meta && access(meta, F_OK) == 0 ? file_read_all(meta, NULL) : NULL;
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	char *from = NULL;
	const char *base = strrchr(config_path, '/') ? strrchr(config_path, '/') + 1 : config_path;
	const cJSON *copy = cJSON_GetObjectItemCaseSensitive(root, "config_copy");
	if (cJSON_IsString(copy) && strcmp(copy->valuestring, base) == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "config_dir");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "config_file");
		if (cJSON_IsString(d) && d->valuestring[0] == '/')
			from = str_dup(d->valuestring);
		else if (cJSON_IsString(f) && f->valuestring[0] == '/')
			from = path_dirname(f->valuestring);
	}
	err_clear(); /* an unreadable metadata.json is the run directory's business */
	cJSON_Delete(root);
	free(text);
	free(meta);
	free(dir);
	return from;
}

char *config_base_dir(const char *config_path)
{
	char *dir = copied_from_dir(config_path);
	if (!dir)
		dir = path_dirname(config_path);
	char *abs = dir ? realpath(dir, NULL) : NULL;
	if (abs) {
		free(dir);
		return abs;
	}
	return dir;
}

/* path as the user wrote it: see json_ctx's run_path. */
static const char *json_origin(const struct json_ctx *c, const char *path, char *buf, size_t n)
{
	size_t len = c->run_path ? strlen(c->run_path) : 0;
	if (!len || !c->defaults || strncmp(path, c->run_path, len) != 0 || path[len] != '.')
		return path;
	const char *rest = path + len + 1, *dot = strchr(rest, '.');
	if (!dot)
		return path;
	char section[64], key[64];
	snprintf(section, sizeof(section), "%.*s", (int)(dot - rest), rest);
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(dot + 1, ".["), dot + 1);
	const cJSON *in_run = cJSON_GetObjectItemCaseSensitive(c->run, section);
	const cJSON *in_def = cJSON_GetObjectItemCaseSensitive(c->defaults, section);
	if (cJSON_GetObjectItemCaseSensitive(in_run, key) || !cJSON_GetObjectItemCaseSensitive(in_def, key))
		return path;
	snprintf(buf, n, "defaults.%s", rest);
	return buf;
}

/* Levenshtein distance of two short keys (capped at 64 characters). */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strnlen(a, 64), lb = (int)strnlen(b, 64), row[65];
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *json_did_you_mean(const char *key, const char *const *allowed)
{
	const char *best = NULL;
	int best_d = 3; /* at most 2 edits, and fewer than the candidate's length */
	for (const char *const *a = allowed; *a; a++) {
		int d = edit_distance(key, *a);
		if (d < best_d && d < (int)strlen(*a)) {
			best = *a;
			best_d = d;
		}
	}
	return best;
}

int json_fail(const struct json_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[1024], origin[512];
	if (path)
		path = json_origin(c, path, origin, sizeof(origin));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		return err_set(ERR_INPUT, "%s: %s: %s", c->file, path, msg);
	return err_set(ERR_INPUT, "%s: %s", c->file, msg);
}

/* "base.key" or "key" into buf. */
const char *json_key_path(char *buf, size_t n, const char *base, const char *key)
{
	snprintf(buf, n, "%s%s%s", base, *base ? "." : "", key);
	return buf;
}

const char *json_type_name(const cJSON *v)
{
	if (cJSON_IsNumber(v)) return "a number";
	if (cJSON_IsString(v)) return "a string";
	if (cJSON_IsBool(v)) return "a boolean";
	if (cJSON_IsNull(v)) return "null";
	if (cJSON_IsArray(v)) return "an array";
	if (cJSON_IsObject(v)) return "an object";
	return "invalid";
}

/* Every key of obj must be in allowed (NULL-terminated); no duplicates. */
int json_check_keys(const struct json_ctx *c, const cJSON *obj, const char *path,
		      const char *const *allowed)
{
	char p[512];
	for (const cJSON *it = obj->child; it; it = it->next) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(it->string, *a) == 0)
				ok = 1;
		if (!ok) {
			char list[512] = "";
			for (const char *const *a = allowed; *a; a++) {
				strncat(list, *a, sizeof(list) - strlen(list) - 1);
				if (a[1])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			const char *near = json_did_you_mean(it->string, allowed);
			char hint[96] = "";
			if (near)
				snprintf(hint, sizeof(hint), "; did you mean '%s'?", near);
			return json_fail(c, json_key_path(p, sizeof(p), path, it->string),
				    "unknown key (allowed: %s)%s", list, hint);
		}
		for (const cJSON *o = obj->child; o != it; o = o->next)
			if (strcmp(o->string, it->string) == 0)
				return json_fail(c, json_key_path(p, sizeof(p), path, it->string),
					    "duplicate key");
	}
	return ERR_OK;
}

/* Looks key up in obj: *v is the member, or NULL when it is absent and
 * optional; a missing required key fails. p (n bytes) gets the key's path
 * for the caller's messages. */
static int json_member(const struct json_ctx *c, const cJSON *obj, const char *path,
		       const char *key, int required, char *p, size_t n, const cJSON **v)
{
	json_key_path(p, n, path, key);
	*v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!*v && required)
		return json_fail(c, p, "missing (required)");
	return ERR_OK;
}

/* Optional object member; returns 0 and *out = NULL when absent. */
int json_get_object(const struct json_ctx *c, const cJSON *obj, const char *path,
		      const char *key, int required, const cJSON **out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, required, p, sizeof(p), &v);
	*out = NULL; /* the default of an object */
	if (rc || !v)
		return rc;
	if (!cJSON_IsObject(v))
		return json_fail(c, p, "must be an object, got %s", json_type_name(v));
	*out = v;
	return ERR_OK;
}

/* A finite number in [lo, hi] (or (lo, ...) when lo_b is JSON_OPEN). */
int json_get_number(const struct json_ctx *c, const cJSON *obj, const char *path,
		      const char *key, int required, double def, double lo,
		      enum json_bound lo_b, double hi, double *out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, required, p, sizeof(p), &v);
	*out = def;
	if (rc || !v)
		return rc;
	if (!cJSON_IsNumber(v))
		return json_fail(c, p, "must be a number, got %s", json_type_name(v));
	double x = v->valuedouble;
	if (!isfinite(x))
		return json_fail(c, p, "must be finite");
	if (lo_b == JSON_OPEN && !(x > lo))
		return json_fail(c, p, "must be > %g, got %g", lo, x);
	if (lo_b == JSON_CLOSED && !(x >= lo))
		return json_fail(c, p, "must be >= %g, got %g", lo, x);
	if (x > hi)
		return json_fail(c, p, "must be <= %g, got %g", hi, x);
	*out = x;
	return ERR_OK;
}

int json_get_long(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *key, int required, long def, long lo, long hi,
		    long *out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, required, p, sizeof(p), &v);
	*out = def;
	if (rc || !v)
		return rc;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return json_fail(c, p, "must be an integer, got %s",
			    cJSON_IsNumber(v) ? "a fraction" : json_type_name(v));
	double x = v->valuedouble;
	if (x < lo || x > hi)
		return json_fail(c, p, "must be in %ld..%ld, got %.17g", lo, hi, x);
	*out = (long)x;
	return ERR_OK;
}

int json_get_seed(const struct json_ctx *c, const cJSON *obj, const char *path,
		  const char *key, int required, unsigned long long def, unsigned long long *out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, required, p, sizeof(p), &v);
	*out = def;
	if (rc || !v)
		return rc;
	if (cJSON_IsNumber(v)) {
		double x = v->valuedouble;
		if (x != floor(x) || x < 0 || x > JSON_EXACT_INT)
			return json_fail(c, p, "must be an integer 0..9007199254740992 (or a string of digits, up to 18446744073709551615), got %.17g",
					 x);
		*out = (unsigned long long)x;
		return ERR_OK;
	}
	/* a number beyond 2^53 is not exact in JSON's doubles: a string keeps
	 * all 64 bits */
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t n = s ? strlen(s) : 0;
	int digits = n > 0 && n <= 20 && strspn(s, "0123456789") == n;
	char *end;
	errno = 0;
	unsigned long long x = digits ? strtoull(s, &end, 10) : 0;
	if (!digits || errno == ERANGE)
		return json_fail(c, p, "must be an integer 0..9007199254740992 or a string of digits up to 18446744073709551615, got %s%s%s",
				 s ? "'" : "", s ? s : json_type_name(v), s ? "'" : "");
	*out = x;
	return ERR_OK;
}

cJSON *json_seed_item(unsigned long long seed)
{
	if (seed <= (unsigned long long)JSON_EXACT_INT)
		return cJSON_CreateNumber((double)seed);
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", seed);
	return cJSON_CreateString(buf);
}

int json_get_int(const struct json_ctx *c, const cJSON *obj, const char *path,
		   const char *key, int required, int def, int lo, int hi, int *out)
{
	long v;
	int rc = json_get_long(c, obj, path, key, required, def, lo, hi, &v);
	if (!rc)
		*out = (int)v;
	return rc;
}

int json_get_string(const struct json_ctx *c, const cJSON *obj, const char *path,
		      const char *key, int required, const char *def,
		      const char **out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, required, p, sizeof(p), &v);
	*out = def;
	if (rc || !v)
		return rc;
	if (!cJSON_IsString(v))
		return json_fail(c, p, "must be a string, got %s", json_type_name(v));
	*out = v->valuestring;
	return ERR_OK;
}

int json_get_bool(const struct json_ctx *c, const cJSON *obj, const char *path,
		    const char *key, int def, int *out)
{
	char p[512];
	const cJSON *v;
	int rc = json_member(c, obj, path, key, 0, p, sizeof(p), &v);
	*out = def;
	if (rc || !v)
		return rc;
	if (!cJSON_IsBool(v))
		return json_fail(c, p, "must be true or false, got %s", json_type_name(v));
	*out = cJSON_IsTrue(v);
	return ERR_OK;
}

/* Replaces each number under item that cJSON would print inexactly by a
 * raw item with its exact shortest form. */
static int exact_numbers(cJSON *item)
{
	for (cJSON *c = item ? item->child : NULL; c; c = c->next) {
		if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			if (!exact_numbers(c))
				return 0;
			continue;
		}
		if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
			continue;
		double d = c->valuedouble;
		char buf[40];
		snprintf(buf, sizeof(buf), "%1.15g", d);
		if (strtod(buf, NULL) == d)
			continue; /* cJSON prints it so, and it reads back exactly */
		for (int digits = 16; digits <= 17; digits++) {
			snprintf(buf, sizeof(buf), "%1.*g", digits, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		cJSON *raw = cJSON_CreateRaw(buf);
		/* in an object the replacement takes the member's name */
		int ok = raw && (cJSON_IsObject(item) && c->string
				 ? cJSON_ReplaceItemInObjectCaseSensitive(item, c->string, raw)
				 : cJSON_ReplaceItemViaPointer(item, c, raw));
		if (!ok) {
			cJSON_Delete(raw);
			return 0;
		}
		c = raw;
	}
	return 1;
}

char *json_print_exact(cJSON *root)
{
	return exact_numbers(root) ? cJSON_Print(root) : NULL;
}
