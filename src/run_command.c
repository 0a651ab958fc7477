/* run_command: `overparam run CONFIG`: the config's text with the --set
 * overrides applied (what is validated, and what the run directory keeps
 * as config.json), sent to the runner of its kind: convnet_run.c for a
 * convnet config, run.c for every other. The two runners share no state
 * but the stop flag (stop.c) and the output helpers below them. */
#include "overparam/commands.h"
#include "overparam/convnet_config.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/overrides.h"

#include <stdlib.h>
#include <string.h>

static int resolved_config(const struct run_options *o, char **text)
{
	*text = NULL;
	char *file = file_read_all(o->config, NULL);
	if (!file)
		return ERR_INPUT;
	int rc = *file ? overrides_apply(file, o->sets, o->n_sets, text)
		       : err_set(ERR_INPUT, "%s: empty file", o->config);
	free(file);
	return rc;
}

/* Whether key paths a and b name the same value or one holds the other
 * ("runs[0].optimizer" and "runs[0].optimizer.lr"). */
static int paths_related(const char *a, size_t na, const char *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	if (strncmp(a, b, n) != 0)
		return 0;
	const char *longer = na < nb ? b : a;
	return na == nb || longer[n] == '.' || longer[n] == '[';
}

/* A config error at a key a --set wrote says so: "FILE: PATH: msg" gets
 * " (from --set KEY=VALUE)", the last --set that touched PATH. */
static int name_the_set(const struct run_options *o, int rc)
{
	const char *msg = err_message();
	size_t nf = strlen(o->config);
	if (rc != ERR_INPUT || strncmp(msg, o->config, nf) != 0 || strncmp(msg + nf, ": ", 2) != 0)
		return rc;
	const char *path = msg + nf + 2, *end = strstr(path, ": ");
	if (!end)
		return rc;
	for (int i = o->n_sets - 1; i >= 0; i--) {
		const char *set = o->sets[i], *eq = strchr(set, '=');
		if (eq && paths_related(path, (size_t)(end - path), set, (size_t)(eq - set))) {
			char *copy = str_dup(msg);
			if (!copy)
				return rc;
			err_set(rc, "%s (from --set %s)", copy, set);
			free(copy);
			break;
		}
	}
	return rc;
}

int cmd_run(const struct run_options *o)
{
	char *text;
	int rc = resolved_config(o, &text);
	if (rc)
		return rc;
	if (convnet_config_is(text)) {
		rc = convnet_cmd_run(o, text);
		free(text);
		return name_the_set(o, rc);
	}
	return name_the_set(o, linear_cmd_run(o, text));
}
