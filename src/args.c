/* args: the sub-commands' option parser and help (see args.h). */
#include "overparam/args.h"
#include "overparam/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct arg_option *find(const struct arg_option *opts, int n, const char *a)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(opts[i].name, a) || (opts[i].alias && !strcmp(opts[i].alias, a)))
			return &opts[i];
	return NULL;
}

/* "an integer 1..256", "a number -1..1e+09", "a number >= 0" */
static void describe_range(const struct arg_option *o, char *buf, size_t size)
{
	const char *what = o->kind == ARG_DOUBLE ? "a number" : "an integer";
	if (o->hi >= 1e300) /* no upper bound but the finite */
		snprintf(buf, size, "%s >= %g", what, o->lo);
	else if (o->kind == ARG_DOUBLE)
		snprintf(buf, size, "%s %g..%g", what, o->lo, o->hi);
	else
		snprintf(buf, size, "%s %.0f..%.0f", what, o->lo, o->hi);
}

/* One value into its field. */
static int take_value(const struct arg_option *o, const char *v, char *field)
{
	char range[96];
	switch (o->kind) {
	case ARG_STRING:
		*(const char **)field = v;
		return ERR_OK;
	case ARG_APPEND: {
		struct arg_list *l = (struct arg_list *)field;
		if (l->n >= l->cap)
			return err_set(ERR_INPUT, "at most %d %s", l->cap, o->name);
		l->items[l->n++] = (char *)v;
		return ERR_OK;
	}
	case ARG_PARSE:
		return o->parse(v, field);
	case ARG_INT:
	case ARG_LONG:
	case ARG_DOUBLE: {
		char *end;
		double x = o->kind == ARG_DOUBLE ? strtod(v, &end) : (double)strtoll(v, &end, 10);
		if (end == v || *end || !(x >= o->lo && x <= o->hi)) {
			describe_range(o, range, sizeof(range));
			return err_set(ERR_INPUT, "%s needs %s, got '%s'", o->name, range, v);
		}
		if (o->kind == ARG_INT)
			*(int *)field = (int)x;
		else if (o->kind == ARG_LONG)
			*(long *)field = (long)x;
		else
			*(double *)field = x;
		return ERR_OK;
	}
	case ARG_FLAG:
		break;
	}
	*(int *)field = 1;
	return ERR_OK;
}

int args_parse(int argc, char **argv, int first, const struct arg_option *opts, int n,
	       void *args, char **pos, int max_pos, int *n_pos)
{
	*n_pos = 0;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			if (*n_pos >= max_pos)
				return err_set(ERR_INPUT, "unexpected argument '%s'", a);
			pos[(*n_pos)++] = argv[i];
			continue;
		}
		const struct arg_option *o = find(opts, n, a);
		if (!o)
			return err_set(ERR_INPUT, "unknown option '%s'", a);
		const char *v = NULL;
		if (o->kind != ARG_FLAG) {
			if (i + 1 >= argc)
				return err_set(ERR_INPUT, "'%s' needs a value: %s %s", a, a, o->metavar);
			v = argv[++i];
		}
		int rc = take_value(o, v, (char *)args + o->offset);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

void args_print_help(FILE *f, const struct arg_option *opts, int n)
{
	for (int i = 0; i < n; i++) {
		const struct arg_option *o = &opts[i];
		char left[64];
		snprintf(left, sizeof(left), "%s%s%s%s%s", o->alias ? o->alias : "",
			 o->alias ? ", " : "", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		if (strlen(left) > 20)
			fprintf(f, "  %s\n%23s", left, "");
		else
			fprintf(f, "  %-20s ", left);
		for (const char *h = o->help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n' && h[1])
				fprintf(f, "%23s", "");
		}
		fputc('\n', f);
	}
}
