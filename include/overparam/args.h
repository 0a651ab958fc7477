/* args: the one option parser of the sub-commands (main.c). Each command
 * lists its options once, in a table: names, the value's kind and range,
 * the field of the command's argument struct it fills, and its help line.
 * args_parse reads argv with that table; args_print_help prints it, so the
 * help and the parser cannot disagree. */
#ifndef OVERPARAM_ARGS_H
#define OVERPARAM_ARGS_H

#include <stddef.h>
#include <stdio.h>

enum arg_kind {
	ARG_FLAG,   /* int: set to 1 */
	ARG_STRING, /* const char *: the next argument */
	ARG_INT,    /* int: an integer in [lo, hi] */
	ARG_LONG,   /* long: an integer in [lo, hi] */
	ARG_DOUBLE, /* double: a number in [lo, hi] */
	ARG_APPEND, /* struct arg_list: the next argument, appended */
	ARG_PARSE,  /* parse(text, field): ERR_OK, or its own message (err_set) */
};

/* The values of a repeated option (--set), in order; at most cap. */
struct arg_list {
	char **items;
	int n, cap;
};

struct arg_option {
	const char *name;    /* "--output" */
	const char *alias;   /* "-o", or NULL */
	const char *metavar; /* the value's name in help ("OUTDIR"); NULL for flags */
	enum arg_kind kind;
	size_t offset;       /* of the field it fills, in the command's struct */
	double lo, hi;       /* ARG_INT, ARG_LONG, ARG_DOUBLE: the range accepted */
	int (*parse)(const char *text, void *field); /* ARG_PARSE */
	const char *help;    /* may hold '\n': each further line is indented */
};

/* Reads argv[first..argc) into the struct at args: options by opts (n of
 * them), the rest into pos (at most max_pos, counted in *n_pos). A lone
 * "-" is positional. ERR_INPUT with a one-line message (err_message) naming
 * the option or argument: an unknown option, a missing or malformed value,
 * a value out of range, one positional argument too many. */
int args_parse(int argc, char **argv, int first, const struct arg_option *opts, int n,
	       void *args, char **pos, int max_pos, int *n_pos);

/* "  -o, --output OUTDIR  where to write ..." for each option, the help
 * aligned at column 23. */
void args_print_help(FILE *f, const struct arg_option *opts, int n);

#endif
