/* config_data: the "data" section of an experiment file into a
 * data_spec (plan.h), by source; see config_data.c. */
#ifndef OVERPARAM_CONFIG_DATA_H
#define OVERPARAM_CONFIG_DATA_H

#include "overparam/plan.h"

struct json_ctx;
struct cJSON;

/* Parses obj (the "data" object) into ds: the source's keys, checked and
 * with defaults; file paths relative to the config's directory. ERR_INPUT
 * naming the key path on any error. */
int config_parse_data(const struct json_ctx *c, const struct cJSON *obj, struct data_spec *ds);

#endif
