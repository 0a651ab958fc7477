/* keytable: reads, writes and documents the keys of a config object from
 * one table (see keytable.h). */
#include "overparam/keytable.h"
#include "overparam/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MAX_KEYS 64

const struct config_key *keys_find(const struct key_table *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

int key_in_variant(const struct config_key *k, int variant)
{
	return variant < 0 || !k->variants || (k->variants >> variant & 1u);
}

static void key_set(const struct config_key *k, void *base, double v)
{
	char *dst = (char *)base + k->offset;
	switch (k->type) {
	case KEY_INT:
	case KEY_BOOL:
	case KEY_ENUM: *(int *)dst = (int)v; break;
	case KEY_LONG: *(long *)dst = (long)v; break;
	case KEY_NUM: *(double *)dst = v; break;
	case KEY_SEED: *(unsigned long long *)dst = (unsigned long long)v; break;
	}
}

static double key_get(const struct config_key *k, const void *base)
{
	const char *src = (const char *)base + k->offset;
	switch (k->type) {
	case KEY_INT:
	case KEY_BOOL:
	case KEY_ENUM: return *(const int *)src;
	case KEY_LONG: return (double)*(const long *)src;
	case KEY_NUM: return *(const double *)src;
	case KEY_SEED: return (double)*(const unsigned long long *)src;
	}
	return 0;
}

void keys_set_defaults(const struct key_table *t, int variant, void *base)
{
	if (t->variant_defaults) {
		t->variant_defaults(base, variant);
		return;
	}
	for (int i = 0; i < t->n; i++)
		key_set(&t->keys[i], base, t->keys[i].def);
}

void keys_copy(const struct key_table *t, const void *from, void *to)
{
	for (int i = 0; i < t->n; i++) {
		const struct config_key *k = &t->keys[i];
		size_t size = k->type == KEY_NUM	 ? sizeof(double)
			      : k->type == KEY_LONG ? sizeof(long)
			      : k->type == KEY_SEED ? sizeof(unsigned long long)
						    : sizeof(int);
		memcpy((char *)to + k->offset, (const char *)from + k->offset, size);
	}
}

int key_read(const struct json_ctx *c, const cJSON *obj, const char *path,
	     const struct config_key *k, void *base)
{
	char p[512];
	int rc;
	if (!cJSON_GetObjectItemCaseSensitive(obj, k->name))
		return k->flags & KEY_REQUIRED
			       ? json_fail(c, json_key_path(p, sizeof(p), path, k->name),
					   "missing (required)")
			       : ERR_OK;
	switch (k->type) {
	case KEY_SEED:
		return json_get_seed(c, obj, path, k->name, 1, 0,
				     (unsigned long long *)((char *)base + k->offset));
	case KEY_INT:
	case KEY_LONG: {
		long v;
		if ((rc = json_get_long(c, obj, path, k->name, 1, 0, (long)k->lo, (long)k->hi, &v)))
			return rc;
		key_set(k, base, (double)v);
		return ERR_OK;
	}
	case KEY_NUM: {
		double v;
		if ((rc = json_get_number(c, obj, path, k->name, 1, 0, k->lo, k->lo_b,
					  k->hi_b == JSON_NONE ? INFINITY : k->hi, &v)))
			return rc;
		if (k->hi_b == JSON_OPEN && !(v < k->hi))
			return json_fail(c, json_key_path(p, sizeof(p), path, k->name),
					 "must be < %g, got %g", k->hi, v);
		key_set(k, base, v);
		return ERR_OK;
	}
	case KEY_BOOL: {
		int v;
		if ((rc = json_get_bool(c, obj, path, k->name, 0, &v)))
			return rc;
		key_set(k, base, v);
		return ERR_OK;
	}
	case KEY_ENUM: {
		const char *s;
		char list[256];
		if ((rc = json_get_string(c, obj, path, k->name, 1, NULL, &s)))
			return rc;
		int v = name_map_find(k->names, s);
		if (v < 0)
			return json_fail(c, json_key_path(p, sizeof(p), path, k->name),
					 "unknown %s%s'%s' (%s)", k->names->what,
					 *k->names->what ? " " : "", s,
					 name_map_list(k->names, list, sizeof(list)));
		key_set(k, base, v);
		return ERR_OK;
	}
	}
	return ERR_OK;
}

int keys_check(const struct json_ctx *c, const cJSON *obj, const char *path,
	       const struct key_table *t, int variant, const char *const *extra)
{
	const char *allowed[MAX_KEYS + 1];
	int n = 0;
	for (int i = 0; i < t->n && n < MAX_KEYS; i++)
		if (key_in_variant(&t->keys[i], variant))
			allowed[n++] = t->keys[i].name;
	for (int i = 0; extra && extra[i] && n < MAX_KEYS; i++)
		allowed[n++] = extra[i];
	allowed[n] = NULL;
	/* a key of another variant (momentum under gd) says whose it is */
	for (const cJSON *it = obj->child; it && variant >= 0 && t->variant_names; it = it->next) {
		const struct config_key *k = keys_find(t, it->string);
		if (!k || key_in_variant(k, variant))
			continue;
		char p[512], whose[256] = "";
		for (int v = 0; v < t->variant_names->n; v++)
			if (key_in_variant(k, v))
				snprintf(whose + strlen(whose), sizeof(whose) - strlen(whose), "%s%s",
					 *whose ? ", " : "", t->variant_names->names[v]);
		return json_fail(c, json_key_path(p, sizeof(p), path, it->string),
				 "not a key of '%s' (it belongs to %s)", t->variant_names->names[variant], whose);
	}
	return json_check_keys(c, obj, path, allowed);
}

int keys_read(const struct json_ctx *c, const cJSON *obj, const char *path,
	      const struct key_table *t, int variant, const char *const *extra, void *base)
{
	int rc = keys_check(c, obj, path, t, variant, extra);
	if (rc)
		return rc;
	for (int i = 0; i < t->n; i++)
		if (key_in_variant(&t->keys[i], variant) &&
		    (rc = key_read(c, obj, path, &t->keys[i], base)))
			return rc;
	return ERR_OK;
}

void keys_to_json(cJSON *o, const struct key_table *t, int variant, const void *base)
{
	for (int i = 0; i < t->n; i++) {
		const struct config_key *k = &t->keys[i];
		if (!key_in_variant(k, variant))
			continue;
		double v = key_get(k, base);
		if (k->type == KEY_BOOL)
			cJSON_AddBoolToObject(o, k->name, v != 0);
		else if (k->type == KEY_ENUM)
			cJSON_AddStringToObject(o, k->name, name_map_name(k->names, (int)v));
		else if (k->type == KEY_SEED) /* all 64 bits: a string beyond 2^53 */
			cJSON_AddItemToObject(o, k->name,
					      json_seed_item(*(const unsigned long long *)((const char *)base + k->offset)));
		else
			cJSON_AddNumberToObject(o, k->name, v);
	}
}

/* A number as the README writes it: 1e6, not 1e+06; 2^53 for seeds. */
static const char *num_text(double x, char *buf, size_t n)
{
	if (x == 9007199254740992.0) {
		snprintf(buf, n, "2^53");
		return buf;
	}
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%g", x);
	char *e = strchr(tmp, 'e');
	if (!e) {
		snprintf(buf, n, "%s", tmp);
		return buf;
	}
	const char *exp = e + 1;
	int neg = *exp == '-';
	exp += (*exp == '+' || *exp == '-');
	while (*exp == '0' && exp[1])
		exp++;
	*e = '\0';
	snprintf(buf, n, "%se%s%s", tmp, neg ? "-" : "", exp);
	return buf;
}

/* "number in (0, 1e6]", "integer 0..1e9", ... */
static void type_text(const struct config_key *k, char *buf, size_t n)
{
	char a[32], b[32];
	num_text(k->lo, a, sizeof(a));
	num_text(k->hi, b, sizeof(b));
	switch (k->type) {
	case KEY_SEED:
		snprintf(buf, n, "integer %s..%s, or a string of digits up to 2^64-1", a, b);
		return;
	case KEY_INT:
	case KEY_LONG:
		snprintf(buf, n, "integer %s..%s", a, b);
		return;
	case KEY_BOOL:
		snprintf(buf, n, "boolean");
		return;
	case KEY_ENUM: {
		size_t len = 0;
		buf[0] = '\0';
		for (int i = 0; i < k->names->n && len < n; i++)
			len += (size_t)snprintf(buf + len, n - len, "%s`\"%s\"`", i ? ", " : "",
						k->names->names[i]);
		return;
	}
	case KEY_NUM:
		break;
	}
	if (k->lo_b == JSON_NONE && k->hi_b == JSON_NONE)
		snprintf(buf, n, "number");
	else if (k->hi_b == JSON_NONE)
		snprintf(buf, n, "number %s %s", k->lo_b == JSON_OPEN ? ">" : ">=", a);
	else if (k->lo_b == JSON_NONE)
		snprintf(buf, n, "number %s %s", k->hi_b == JSON_OPEN ? "<" : "<=", b);
	else
		snprintf(buf, n, "number in %c%s, %s%c", k->lo_b == JSON_OPEN ? '(' : '[', a, b,
			 k->hi_b == JSON_OPEN ? ')' : ']');
}

static void value_text(const struct config_key *k, double v, char *buf, size_t n)
{
	if (k->type == KEY_ENUM)
		snprintf(buf, n, "`\"%s\"`", name_map_name(k->names, (int)v));
	else if (k->type == KEY_BOOL)
		snprintf(buf, n, "%s", v ? "true" : "false");
	else
		num_text(v, buf, n);
}

/* The default of k: for tables with variant defaults, the value most of
 * the variants that take k have, then the others' "(name value, ...)". */
static void default_text(const struct key_table *t, const struct config_key *k,
			 char *buf, size_t n)
{
	if (k->flags & KEY_REQUIRED) {
		snprintf(buf, n, "required");
		return;
	}
	if (k->def_text) {
		snprintf(buf, n, "%s", k->def_text);
		return;
	}
	if (!t->variant_defaults || !t->variant_names) {
		value_text(k, k->def, buf, n);
		return;
	}
	_Alignas(max_align_t) char base[1024];
	double vals[32];
	int nv = t->variant_names->n < 32 ? t->variant_names->n : 32, best = -1, best_count = 0;
	for (int v = 0; v < nv; v++) {
		t->variant_defaults(base, v);
		vals[v] = key_get(k, base);
	}
	for (int v = 0; v < nv; v++) {
		if (!key_in_variant(k, v))
			continue;
		int count = 0;
		for (int u = 0; u < nv; u++)
			count += key_in_variant(k, u) && vals[u] == vals[v];
		if (count > best_count)
			best = v, best_count = count;
	}
	if (best < 0) {
		snprintf(buf, n, "-");
		return;
	}
	value_text(k, vals[best], buf, n);
	size_t len = strlen(buf);
	for (int v = 0, first = 1; v < nv; v++) {
		if (!key_in_variant(k, v) || vals[v] == vals[best])
			continue;
		char vt[64];
		value_text(k, vals[v], vt, sizeof(vt));
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s %s",
					first ? " (" : ", ", t->variant_names->names[v], vt);
		first = 0;
		if (len >= n)
			break;
	}
	if (strchr(buf, '(') && len + 1 < n)
		strcat(buf, ")");
}

void keys_print_paths(FILE *f, const struct key_table *t, const char *prefix)
{
	for (int i = 0; i < t->n; i++)
		fprintf(f, "%s%s%s%s\n", prefix, t->section, *t->section ? "." : "", t->keys[i].name);
}

void keys_print_markdown(FILE *f, const struct key_table *t)
{
	for (int i = 0; i < t->n; i++) {
		const struct config_key *k = &t->keys[i];
		char type[300], def[256];
		type_text(k, type, sizeof(type));
		default_text(t, k, def, sizeof(def));
		fprintf(f, "| `%s%s%s` | %s | %s | %s", t->section, *t->section ? "." : "", k->name,
			type, def, k->doc);
		if (k->variants && t->variant_names) {
			fputs(" (", f);
			for (int v = 0, first = 1; v < t->variant_names->n; v++)
				if (k->variants >> v & 1u) {
					fprintf(f, "%s%s", first ? "" : ", ", t->variant_names->names[v]);
					first = 0;
				}
			fputs(")", f);
		}
		fprintf(f, "%s |\n", k->flags & KEY_GRID ? "; grid-able" : "");
	}
}
