/* overrides: --set KEY=VALUE on a config's JSON (see overrides.h). */
#include "overparam/overrides.h"
#include "overparam/jsonget.h"
#include "overparam/error.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Applies one "KEY=VALUE" to root. */
static int apply_one(cJSON *root, const char *set)
{
	const char *eq = strchr(set, '=');
	if (!eq || eq == set)
		return err_set(ERR_INPUT, "--set '%s': expected KEY=VALUE", set);
	cJSON *value = cJSON_ParseWithOpts(eq + 1, NULL, 1); /* all of it, no trailing text */
	/* an integer beyond 2^53 would lose bits as a JSON number: kept as its
	 * digits, which a seed takes exactly (json_get_seed) */
	if (value && cJSON_IsNumber(value) && fabs(value->valuedouble) > JSON_EXACT_INT &&
	    strspn(eq + 1 + (eq[1] == '-'), "0123456789") == strlen(eq + 1 + (eq[1] == '-'))) {
		cJSON_Delete(value);
		value = cJSON_CreateString(eq + 1);
	} else if (!value) {
		/* what looks like JSON but does not parse is a mistake, not a
		 * string: an unclosed list, a number with a typo */
		const char *v = eq + 1 + strspn(eq + 1, " \t");
		if (*v && (strchr("[{\"-0123456789", *v) || !strncmp(v, "true", 4) ||
			   !strncmp(v, "false", 5) || !strncmp(v, "null", 4)))
			return err_set(ERR_INPUT, "--set %s: '%s' is not valid JSON (a string that starts like JSON needs quotes: %.*s='\"...\"')",
				       set, eq + 1, (int)(eq - set), set);
		value = cJSON_CreateString(eq + 1);
	}
	if (!value)
		return err_set(ERR_RUNTIME, "out of memory");
	int klen = (int)(eq - set);
	cJSON *node = root;
	const char *p = set, *end = eq;
	int rc = ERR_OK;
	while (!rc && p < end) {
		/* One segment: name, then any [N]. */
		const char *q = p;
		while (q < end && *q != '.' && *q != '[')
			q++;
		if (q == p) {
			rc = err_set(ERR_INPUT, "--set %.*s: empty key", klen, set);
			break;
		}
		if (!cJSON_IsObject(node)) {
			rc = err_set(ERR_INPUT, "--set %.*s: '%.*s' is not an object", klen, set,
				     (int)(p - 1 - set), set);
			break;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(q - p), p);
		cJSON *child = cJSON_GetObjectItemCaseSensitive(node, name);
		long index = -1; /* >= 0: child is entry index of the array node */
		while (!rc && q < end && *q == '[') {
			char *close;
			long idx = strtol(q + 1, &close, 10);
			if (close == q + 1 || *close != ']' || idx < 0) {
				rc = err_set(ERR_INPUT, "--set %.*s: expected [N] after '%.*s'", klen, set,
					     (int)(q - set), set);
				break;
			}
			cJSON *arr = child;
			if (!cJSON_IsArray(arr)) {
				rc = err_set(ERR_INPUT, "--set %.*s: '%.*s' is not an array", klen, set,
					     (int)(q - set), set);
				break;
			}
			int size = cJSON_GetArraySize(arr);
			if (idx >= size) {
				rc = err_set(ERR_INPUT, "--set %.*s: '%.*s' has %d entries", klen, set,
					     (int)(q - set), set, size);
				break;
			}
			node = arr;
			index = idx;
			child = cJSON_GetArrayItem(arr, (int)idx);
			q = close + 1;
		}
		if (rc)
			break;
		int last = q >= end;
		if (!last && *q != '.') {
			rc = err_set(ERR_INPUT, "--set %.*s: unexpected '%c'", klen, set, *q);
			break;
		}
		if (last) {
			if (index >= 0)
				cJSON_ReplaceItemInArray(node, (int)index, value);
			else if (child)
				cJSON_ReplaceItemInObjectCaseSensitive(node, name, value);
			else
				cJSON_AddItemToObject(node, name, value);
			return ERR_OK;
		}
		if (!child) { /* a missing object on the way */
			child = cJSON_AddObjectToObject(node, name);
			if (!child)
				rc = err_set(ERR_RUNTIME, "out of memory");
		}
		node = child;
		p = q + 1;
	}
	cJSON_Delete(value);
	return rc ? rc : err_set(ERR_INPUT, "--set '%s': expected KEY=VALUE", set);
}

int overrides_apply(const char *text, char *const *sets, int n, char **out)
{
	*out = NULL;
	cJSON *root = n > 0 ? cJSON_Parse(text) : NULL;
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*out = strdup(text);
		return *out ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	}
	int rc = ERR_OK;
	for (int i = 0; !rc && i < n; i++)
		rc = apply_one(root, sets[i]);
	char *printed = rc ? NULL : json_print_exact(root);
	cJSON_Delete(root);
	if (rc)
		return rc;
	size_t len = printed ? strlen(printed) : 0;
	*out = printed ? malloc(len + 2) : NULL;
	if (*out) {
		memcpy(*out, printed, len);
		memcpy(*out + len, "\n", 2);
	}
	cJSON_free(printed);
	return *out ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}
