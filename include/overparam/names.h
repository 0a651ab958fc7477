/* names: the spellings of an enum's values, one table per enum.
 *
 * A name map lists the names in the enum's order, so value v is
 * names[v]. Parsing (name -> value), printing (value -> name) and the
 * list in an error message ("gd, momentum, ...") all read the one table,
 * so a name is spelled once. No dependencies: numeric modules may export
 * their maps. */
#ifndef OVERPARAM_NAMES_H
#define OVERPARAM_NAMES_H

#include <stddef.h>

struct name_map {
	const char *what;          /* the noun in messages ("optimizer"), or "" */
	const char *const *names;  /* names[v] for value v = 0..n-1 */
	int n;
};

#define NAME_MAP(what, arr) {(what), (arr), (int)(sizeof(arr) / sizeof((arr)[0]))}

/* The value named s (case-sensitive), or -1. */
int name_map_find(const struct name_map *m, const char *s);

/* names[v], or "?" when v is out of range. */
const char *name_map_name(const struct name_map *m, int v);

/* "a, b, c" into buf (truncated to n - 1 characters); returns buf. */
const char *name_map_list(const struct name_map *m, char *buf, size_t n);

#endif
