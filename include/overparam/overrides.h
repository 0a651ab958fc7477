/* overrides: `run --set KEY=VALUE`, edits of a config's JSON before it is
 * validated, so a shell script or a scheduler can sweep without writing
 * JSON.
 *
 * KEY is a path of object keys and array indices, "train.iterations",
 * "runs[2].optimizer.lr", "defaults.optimizer.lr"; missing objects on the
 * way are created, arrays must have the index. VALUE is JSON ("0.01",
 * "[1e-3, 3e-3]", "true", "{\"p\": 4}") or else taken as a string ("adam").
 * The edited config is then validated like the file, with the same
 * messages, and it is what the run directory keeps as config.json, so the
 * run can be redone from its directory alone. */
#ifndef OVERPARAM_OVERRIDES_H
#define OVERPARAM_OVERRIDES_H

/* *out = text with sets[0..n) applied in order (malloc'ed; the JSON printed
 * again, ending in a newline), or an unchanged copy of text when n is 0 or
 * text is not valid JSON (the config parser then says where). Errors
 * (ERR_INPUT) name the --set and what is wrong with its key. */
int overrides_apply(const char *text, char *const *sets, int n, char **out);

#endif
