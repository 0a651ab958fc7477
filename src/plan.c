/* plan: the experiment plan's names and lifecycle (see plan.h). */
#include "overparam/plan.h"

#include <stdlib.h>
#include <string.h>

static const char *const model_kind_spellings[] = {"deep", "e2e"};
const struct name_map model_kind_names = NAME_MAP("model type", model_kind_spellings);
static const char *const data_source_spellings[] = {"gas_drift", "csv", "inline", "synthetic",
						    "whitened", "matrix_completion",
						    "matrix_sensing"};
const struct name_map data_source_names = NAME_MAP("source", data_source_spellings);
static const char *const replicate_over_spellings[] = {"seeds", "batches"};
const struct name_map replicate_over_names = NAME_MAP("replicate_over", replicate_over_spellings);
static const char *const select_by_spellings[] = {"final_loss", "time_to_target"};
const struct name_map select_by_names = NAME_MAP("criterion", select_by_spellings);

static const char *const plot_format_spellings[] = {"png", "svg", "pdf"};
const struct name_map plot_format_names = NAME_MAP("format", plot_format_spellings);

static const char *const claim_expect_spellings[] = {"faster", "slower", "similar",
						     "not_faster", "tracks", "lower", "escapes",
						     "stuck", "exact_curve", "under_bound",
						     "above_baseline", "below_baseline", "grows"};
const struct name_map claim_expect_names = NAME_MAP("", claim_expect_spellings);

const char *claim_expect_name(enum claim_expect e)
{
	return name_map_name(&claim_expect_names, e);
}

void claims_release(struct claim *claims, int n)
{
	for (int i = 0; i < n; i++) {
		free(claims[i].text);
		free(claims[i].a);
		free(claims[i].b);
		free(claims[i].column);
	}
	free(claims);
}

void run_spec_release(struct run_spec *r)
{
	free(r->label);
	free(r->group);
	free(r->hidden);
	memset(r, 0, sizeof(*r));
}

void experiment_override_iterations(struct experiment *ex, long iterations)
{
	if (iterations <= 0)
		return;
	for (int i = 0; i < ex->n_runs; i++) {
		ex->runs[i].iterations = iterations;
		if (ex->runs[i].log_every > iterations)
			ex->runs[i].log_every = iterations;
	}
}

int experiment_has_rounds(const struct experiment *ex)
{
	return ex->select.extend || ex->select.refine;
}

void experiment_truncate_runs(struct experiment *ex, int n)
{
	while (ex->n_runs > n)
		run_spec_release(&ex->runs[--ex->n_runs]);
}

void experiment_release(struct experiment *ex)
{
	free(ex->config_path);
	free(ex->config_dir);
	free(ex->name);
	free(ex->description);
	free(ex->plot_title);
	free(ex->data.path);
	free(ex->data.X);
	free(ex->data.Y);
	free(ex->data.modes);
	for (int i = 0; i < ex->n_runs; i++)
		run_spec_release(&ex->runs[i]);
	free(ex->runs);
	claims_release(ex->claims, ex->n_claims);
	memset(ex, 0, sizeof(*ex));
}
