/* names: lookups in an enum's name table (see names.h). */
#include "overparam/names.h"

#include <stdio.h>
#include <string.h>

int name_map_find(const struct name_map *m, const char *s)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->names[i], s) == 0)
			return i;
	return -1;
}

const char *name_map_name(const struct name_map *m, int v)
{
	return v >= 0 && v < m->n ? m->names[v] : "?";
}

const char *name_map_list(const struct name_map *m, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < m->n && len < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", m->names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}
