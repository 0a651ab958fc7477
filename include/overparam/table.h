/* table: a numeric CSV file with a header row (the run CSVs), read whole.
 * Fields go through strtod, so "nan" and "inf" read back as written. */
#ifndef OVERPARAM_TABLE_H
#define OVERPARAM_TABLE_H

struct table {
	int n_cols, n_rows;
	char **names; /* (n_cols) header names, owned */
	double *v;    /* (n_rows, n_cols) row-major, owned */
};

/* Reads path; errors (exit code 2) name path:line for a row with the wrong
 * number of fields or a field that is not a number. */
int table_load(struct table *t, const char *path);
void table_release(struct table *t);

/* Index of the column called name, or -1. */
int table_column(const struct table *t, const char *name);

#endif
