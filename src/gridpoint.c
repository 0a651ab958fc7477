/* gridpoint: a grid point's varied values and their one text form (see
 * gridpoint.h). */
#include "overparam/gridpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int grid_point_add(struct grid_point *g, const char *key, double value)
{
	if (g->n >= GRID_MAX_AXES || strlen(key) >= GRID_KEY_MAX)
		return -1;
	strcpy(g->key[g->n], key);
	g->value[g->n++] = value;
	return 0;
}

void grid_point_format(const struct grid_point *g, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int a = 0; a < g->n && len < size; a++) {
		int w = snprintf(buf + len, size - len, "%s%s=%g", a ? "," : "", g->key[a],
				 g->value[a]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int grid_point_parse(struct grid_point *g, const char *text)
{
	g->n = 0;
	for (const char *p = text; *p;) {
		const char *eq = strchr(p, '=');
		if (!eq || eq == p || (size_t)(eq - p) >= GRID_KEY_MAX || g->n >= GRID_MAX_AXES ||
		    memchr(p, ',', (size_t)(eq - p)))
			return -1;
		char *end;
		double v = strtod(eq + 1, &end);
		if (end == eq + 1 || (*end != ',' && *end != '\0') || (*end == ',' && !end[1]))
			return -1;
		memcpy(g->key[g->n], p, (size_t)(eq - p));
		g->key[g->n][eq - p] = '\0';
		g->value[g->n++] = v;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int grid_point_value(const struct grid_point *g, const char *key, double *value)
{
	for (int a = 0; a < g->n; a++)
		if (strcmp(g->key[a], key) == 0) {
			*value = g->value[a];
			return 1;
		}
	return 0;
}

int grid_point_lr_only(const struct grid_point *g)
{
	return g->n == 1 && strcmp(g->key[0], "lr") == 0;
}

void grid_edge_format(const struct grid_point *g, const enum grid_side *side, char *buf,
		      size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int a = 0; a < g->n && len < size; a++) {
		if (side[a] == GRID_INSIDE)
			continue;
		int w = snprintf(buf + len, size - len, "%s%s=%s", len ? ";" : "", g->key[a],
				 side[a] == GRID_LARGEST ? "largest" : "smallest");
		if (w < 0)
			break;
		len += (size_t)w;
	}
}
