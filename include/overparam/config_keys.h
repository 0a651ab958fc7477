/* config_keys: the key tables of the config's flat sections (see
 * config_keys.c). */
#ifndef OVERPARAM_CONFIG_KEYS_H
#define OVERPARAM_CONFIG_KEYS_H

#define MAX_DEPTH 1000   /* model.depth */
#define MAX_WIDTH 100000 /* model.width */

struct key_table;
extern const struct key_table config_model_keys, config_init_keys, config_optimizer_keys,
	config_train_keys, config_diagnostics_keys, config_loss_keys, config_select_keys;

#endif
