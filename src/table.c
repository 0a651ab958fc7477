/* table: numeric CSV with a header (see table.h). */
#include "overparam/table.h"
#include "overparam/error.h"
#include "overparam/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void table_release(struct table *t)
{
	for (int i = 0; i < t->n_cols; i++)
		free(t->names[i]);
	free(t->names);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int table_column(const struct table *t, const char *name)
{
	for (int i = 0; i < t->n_cols; i++)
		if (strcmp(t->names[i], name) == 0)
			return i;
	return -1;
}

#define MAX_COLS 4096

int table_load(struct table *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(ERR_INPUT, "cannot open '%s'", path);
	char *line = NULL, **fields = malloc(MAX_COLS * sizeof(char *));
	size_t cap = 0;
	long lineno = 0;
	int rc = ERR_OK, alloc = 0;
	if (!fields) {
		fclose(f);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		int n = csv_split(line, fields, MAX_COLS);
		if (n > MAX_COLS) {
			rc = err_set(ERR_INPUT, "%s:%ld: more than %d columns", path, lineno, MAX_COLS);
			break;
		}
		if (lineno == 1) {
			t->n_cols = n;
			t->names = calloc(n, sizeof(char *));
			for (int i = 0; t->names && i < n; i++)
				t->names[i] = strdup(fields[i]);
			continue;
		}
		if (n != t->n_cols) {
			rc = err_set(ERR_INPUT, "%s:%ld: expected %d fields, got %d", path, lineno,
				     t->n_cols, n);
			break;
		}
		if (t->n_rows == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			double *nv = realloc(t->v, (size_t)alloc * n * sizeof(double));
			if (!nv) {
				rc = err_set(ERR_RUNTIME, "out of memory");
				break;
			}
			t->v = nv;
		}
		for (int i = 0; i < n; i++) {
			char *end;
			double x = strtod(fields[i], &end);
			if (end == fields[i] || *end) {
				rc = err_set(ERR_INPUT, "%s:%ld: field %d ('%s') is not a number",
					     path, lineno, i + 1, fields[i]);
				break;
			}
			t->v[(size_t)t->n_rows * n + i] = x;
		}
		if (rc)
			break;
		t->n_rows++;
	}
	if (!rc && lineno == 0)
		rc = err_set(ERR_INPUT, "%s: empty file", path);
	free(line);
	free(fields);
	fclose(f);
	if (rc)
		table_release(t);
	return rc;
}
