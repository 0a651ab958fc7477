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

int cmd_run(const struct run_options *o)
{
	char *text;
	int rc = resolved_config(o, &text);
	if (rc)
		return rc;
	if (convnet_config_is(text)) {
		rc = convnet_cmd_run(o, text);
		free(text);
		return rc;
	}
	return linear_cmd_run(o, text);
}
