/* keytable: the keys of a flat config object as data (redis's config
 * table).
 *
 * One row per key: its name, type, where the value goes (a byte offset into
 * the struct being filled), default, bounds with open or closed ends,
 * whether a grid list may replace it, which variants take it (the
 * optimizers that have a momentum, say) and a line of documentation.
 * Parsing, the allowed-key check, defaults, error messages, the metadata
 * writer and `overparam keys` (the README's reference tables) all read the
 * same rows, so adding a hyperparameter is one row. */
#ifndef OVERPARAM_KEYTABLE_H
#define OVERPARAM_KEYTABLE_H

#include "overparam/jsonget.h"
#include "overparam/names.h"

#include <stdio.h>

enum key_type {
	KEY_INT,  /* int, an integer in lo..hi */
	KEY_LONG, /* long, an integer in lo..hi */
	KEY_NUM,  /* double, finite, bounded by lo/lo_b and hi/hi_b */
	KEY_BOOL, /* int, true or false */
	KEY_ENUM, /* int, one of names */
	KEY_SEED, /* unsigned long long, an integer in lo..hi (at most 2^53) */
};

#define KEY_REQUIRED 2u /* no default: the key must be given */

#define KEY_GRID 1u /* a list of numbers (or a log grid) may replace it */

/* Rows are written with designated initializers (config_keys.c,
 * convnet_config.c): a field left out is 0 or NULL. KEY_NUM rows always
 * give lo_b and hi_b (JSON_OPEN is 0); other types ignore them. */
struct config_key {
	const char *name;
	enum key_type type;
	size_t offset;          /* of the value in the struct filled */
	double def;             /* default (KEY_ENUM: the value's index) */
	double lo, hi;          /* bounds (numbers and integers) */
	enum json_bound lo_b, hi_b; /* KEY_NUM: JSON_OPEN, JSON_CLOSED or JSON_NONE */
	const struct name_map *names; /* KEY_ENUM */
	unsigned flags;         /* KEY_GRID */
	unsigned variants;      /* bit v set: variant v takes the key; 0: every variant */
	const char *doc;        /* one line for the reference table */
	const char *def_text;   /* the default in words, when it is not def; or NULL */
};

/* The keys of one JSON object ("optimizer", "train", ...; "" for a run's
 * own keys, printed without a prefix). Where the
 * defaults depend on the variant (TensorFlow's per optimizer),
 * variant_defaults writes them and the rows' def is not used. */
struct key_table {
	const char *section;
	const struct config_key *keys;
	int n;
	const struct name_map *variant_names;  /* NULL: no variants */
	void (*variant_defaults)(void *base, int variant); /* may be NULL */
};

#define KEY_TABLE(section, arr, variant_names, variant_defaults)                    \
	{(section), (arr), (int)(sizeof(arr) / sizeof((arr)[0])), (variant_names),    \
	 (variant_defaults)}

/* The row named name, or NULL. */
const struct config_key *keys_find(const struct key_table *t, const char *name);

/* Does variant (an index, or -1 for "any") take key k? */
int key_in_variant(const struct config_key *k, int variant);

/* Writes every key's default for variant into base. */
void keys_set_defaults(const struct key_table *t, int variant, void *base);

/* Copies every key's field of the table from one struct to another (the
 * section's values a run inherits: exactly the table's keys, bit for bit). */
void keys_copy(const struct key_table *t, const void *from, void *to);

/* Reads obj[k->name] into base, checking type and bounds; an absent key
 * leaves base's value as it is (the default set before it). The message
 * names path.name and the value. */
int key_read(const struct json_ctx *c, const cJSON *obj, const char *path,
	     const struct config_key *k, void *base);

/* Checks that obj's keys are among the table's keys of variant and extra
 * (NULL-terminated, may be NULL); the message lists them. */
int keys_check(const struct json_ctx *c, const cJSON *obj, const char *path,
	       const struct key_table *t, int variant, const char *const *extra);

/* keys_check, then reads each of the table's keys of variant into base. */
int keys_read(const struct json_ctx *c, const cJSON *obj, const char *path,
	      const struct key_table *t, int variant, const char *const *extra, void *base);

/* Adds the table's keys of variant, with base's values, to object o. */
void keys_to_json(cJSON *o, const struct key_table *t, int variant, const void *base);

/* One key path per line, as --set takes it: prefix (e.g. "defaults."),
 * the table's section and the key ("defaults.optimizer.lr"). */
void keys_print_paths(FILE *f, const struct key_table *t, const char *prefix);

/* The README's rows for t: "| `section.key` | type | default | doc |",
 * one per key; a default that differs by variant is given as the most
 * common one and the exceptions ("0.9 (rmsprop 0)"). */
void keys_print_markdown(FILE *f, const struct key_table *t);

#endif
