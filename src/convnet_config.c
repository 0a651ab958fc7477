/* convnet_config: parses a convnet experiment file (see convnet_config.h).
 * The run keys are one table (keytable.h): name, type, where the value
 * goes, default, bounds; parsing, defaults, messages, the metadata writer
 * and `overparam keys` all read it, so adding a key is one row. */
#include "overparam/convnet_config.h"
#include "overparam/claims.h"
#include "overparam/config.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"
#include "overparam/keytable.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AT(field) offsetof(struct convnet_run_spec, field)

static const char *const precision_spellings[] = {"float32", "float64"};
static const char *const l2_on_spellings[] = {"product", "factors", "none"};
static const struct name_map precision_names = NAME_MAP("", precision_spellings);
static const struct name_map l2_on_names = NAME_MAP("", l2_on_spellings);

static const struct config_key run_rows[] = {
	{.name = "overparam", .type = KEY_BOOL, .offset = AT(net.overparam),
	 .doc = "each dense layer's matrix a product of two (W1a 3136x512 W1b 512x512, W2a 512x10 W2b 10x10)"},
	{.name = "l2_on", .type = KEY_ENUM, .offset = AT(net.l2_on), .def = CONVNET_L2_PRODUCT,
	 .names = &l2_on_names,
	 .doc = "what the L2 penalty is taken on: the end-to-end products, each factor, or nothing"},
	{.name = "l2", .type = KEY_NUM, .offset = AT(net.l2), .def = 5e-4, .lo = 0, .hi = 1,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .doc = "L2 weight: l2 * (sum of squares / 2)"},
	{.name = "precision", .type = KEY_ENUM, .offset = AT(net.precision), .def = CONVNET_F32,
	 .names = &precision_names, .doc = "the network's arithmetic"},
	{.name = "init_std", .type = KEY_NUM, .offset = AT(net.init_std), .def = 0.1, .lo = 0,
	 .hi = 10, .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED,
	 .doc = "truncated normal (redrawn beyond 2 std) of every weight and factor; biases: conv 1 0, the others 0.1"},
	{.name = "keep_prob", .type = KEY_NUM, .offset = AT(net.keep_prob), .def = 0.5, .lo = 0,
	 .hi = 1, .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED,
	 .doc = "dropout keep probability (kept units scaled by 1/keep_prob)"},
	{.name = "conv1", .type = KEY_INT, .offset = AT(net.shape.C1), .def = 32, .lo = 1,
	 .hi = 1024, .doc = "channels of conv 1"},
	{.name = "conv2", .type = KEY_INT, .offset = AT(net.shape.C2), .def = 64, .lo = 1,
	 .hi = 1024, .doc = "channels of conv 2"},
	{.name = "hidden", .type = KEY_INT, .offset = AT(net.shape.D), .def = 512, .lo = 1,
	 .hi = 16384, .doc = "width of dense 1"},
	{.name = "batch", .type = KEY_INT, .offset = AT(batch), .def = 64, .lo = 1, .hi = 4096,
	 .doc = "images per step"},
	{.name = "epochs", .type = KEY_NUM, .offset = AT(epochs), .def = 10, .lo = 0, .hi = 1e4,
	 .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED, .doc = "steps = floor(epochs * n_train / batch)"},
	{.name = "steps", .type = KEY_LONG, .offset = AT(steps), .lo = 0, .hi = 1e9,
	 .doc = "> 0: this many steps instead"},
	{.name = "lr", .type = KEY_NUM, .offset = AT(lr), .def = 0.01, .lo = 0, .hi = 100,
	 .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED, .doc = "initial learning rate"},
	{.name = "momentum", .type = KEY_NUM, .offset = AT(momentum), .def = 0.9, .lo = 0, .hi = 1,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .doc = "a <- momentum a + g; w <- w - lr a"},
	{.name = "decay", .type = KEY_NUM, .offset = AT(decay), .def = 0.95, .lo = 0, .hi = 1,
	 .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED,
	 .doc = "lr * decay^floor(step * batch / n_train): once per epoch"},
	{.name = "eval_every", .type = KEY_LONG, .offset = AT(eval_every), .def = 100, .lo = 1,
	 .hi = 1e9, .doc = "validation error at steps 0, eval_every, ... and the last"},
};
#define N_RUN_KEYS (int)(sizeof(run_rows) / sizeof(run_rows[0]))

static const struct key_table convnet_run_keys = KEY_TABLE("", run_rows, NULL, NULL);

int convnet_config_is(const char *text)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "model");
	int is = cJSON_IsString(m) && strcmp(m->valuestring, "convnet") == 0;
	cJSON_Delete(root);
	return is;
}

cJSON *convnet_run_spec_json(const struct convnet_run_spec *r)
{
	cJSON *o = cJSON_CreateObject();
	if (o)
		keys_to_json(o, &convnet_run_keys, -1, r);
	return o;
}

static int parse_run(const struct json_ctx *c, const cJSON *defaults, const cJSON *run,
		     int idx, struct convnet_run_spec *r)
{
	char path[32];
	snprintf(path, sizeof(path), "runs[%d]", idx);
	if (!cJSON_IsObject(run))
		return json_fail(c, path, "must be an object, got %s", json_type_name(run));
	static const char *const label_key[] = {"label", NULL};
	int rc = keys_check(c, run, path, &convnet_run_keys, -1, label_key);
	const char *label;
	if (rc || (rc = json_get_string(c, run, path, "label", 1, NULL, &label)))
		return rc;
	if (!*label)
		return json_fail(c, path, "label: must not be empty");
	/* A run's own key wins over defaults; each is read where it is, so a
	 * message names the place the bad value was written. */
	keys_set_defaults(&convnet_run_keys, -1, r);
	for (int i = 0; i < N_RUN_KEYS && !rc; i++) {
		const struct config_key *k = &run_rows[i];
		if (cJSON_GetObjectItemCaseSensitive(run, k->name) || !defaults)
			rc = key_read(c, run, path, k, r);
		else
			rc = key_read(c, defaults, "defaults", k, r);
	}
	if (rc)
		return rc;
	if (!(r->label = str_dup(label)))
		return err_set(ERR_RUNTIME, "out of memory");
	r->net.shape.H = r->net.shape.W = 28;
	r->net.shape.C0 = 1;
	r->net.shape.K = 10;
	r->net.max_batch = r->batch;
	r->net.seed = c->seed;
	return ERR_OK;
}

static int parse_data(const struct json_ctx *c, const cJSON *data, struct convnet_experiment *ex)
{
	static const char *const keys[] = {"source", "dir", "validation", "train", "test", NULL};
	const char *source, *path;
	int rc;
	if ((rc = json_check_keys(c, data, "data", keys)) ||
	    (rc = json_get_string(c, data, "data", "source", 1, NULL, &source)))
		return rc;
	if (strcmp(source, "mnist") != 0)
		return json_fail(c, "data.source", "unknown '%s' (a convnet config reads mnist)",
				 source);
	if ((rc = json_get_string(c, data, "data", "dir", 0, "../data/mnist", &path)) ||
	    (rc = json_get_int(c, data, "data", "validation", 0, 5000, 0, 59999, &ex->n_validation)) ||
	    (rc = json_get_int(c, data, "data", "train", 0, 0, 0, 60000, &ex->n_train)) ||
	    (rc = json_get_int(c, data, "data", "test", 0, 0, 0, 10000, &ex->n_test)))
		return rc;
	ex->data_path = path_join(c->base_dir, path); /* relative to the config, as for gas_drift */
	return ex->data_path ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}

/* The "runs" array: each run over the defaults, labels distinct. */
static int parse_runs(const struct json_ctx *c, const cJSON *root, const cJSON *defaults,
		      struct convnet_experiment *ex)
{
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
	if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) < 1)
		return json_fail(c, "runs", "must be a non-empty array");
	int n = cJSON_GetArraySize(runs), rc = ERR_OK;
	ex->runs = calloc((size_t)n, sizeof(*ex->runs));
	if (!ex->runs)
		return err_set(ERR_RUNTIME, "out of memory");
	for (const cJSON *r = runs->child; r && !rc; r = r->next, ex->n_runs++)
		rc = parse_run(c, defaults, r, ex->n_runs, &ex->runs[ex->n_runs]);
	for (int i = 0; !rc && i < ex->n_runs; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(ex->runs[i].label, ex->runs[j].label) == 0) {
				char p[64];
				snprintf(p, sizeof(p), "runs[%d].label", i);
				rc = json_fail(c, p, "'%s' is used twice", ex->runs[i].label);
				break;
			}
	return rc;
}

int convnet_config_parse(struct convnet_experiment *ex, const char *text, const char *path)
{
	memset(ex, 0, sizeof(*ex));
	struct json_ctx c = {.file = path, .base_dir = config_base_dir(path)};
	cJSON *root = cJSON_Parse(text);
	int rc = ERR_OK;
	if (!root || !cJSON_IsObject(root)) {
		rc = err_set(ERR_INPUT, "%s: malformed JSON", path);
		goto out;
	}
	static const char *const keys[] = {"model", "name", "description", "seed", "data",
					   "defaults", "runs", "plot", "claims", NULL};
	const char *name, *desc;
	const cJSON *data, *defaults, *plot;
	if ((rc = json_check_keys(&c, root, "", keys)) ||
	    (rc = json_get_string(&c, root, "", "name", 0, NULL, &name)) ||
	    (rc = json_get_string(&c, root, "", "description", 0, "", &desc)) ||
	    (rc = json_get_seed(&c, root, "", "seed", 0, 1, &ex->seed)) ||
	    (rc = json_get_object(&c, root, "", "data", 1, &data)) ||
	    (rc = json_get_object(&c, root, "", "defaults", 0, &defaults)) ||
	    (rc = json_get_object(&c, root, "", "plot", 0, &plot)))
		goto out;
	if (defaults && (rc = keys_check(&c, defaults, "defaults", &convnet_run_keys, -1, NULL)))
		goto out;
	c.seed = ex->seed;
	if (name && (!*name || strchr(name, '/'))) {
		rc = json_fail(&c, "name", "must be a non-empty name without '/'");
		goto out;
	}
	if (!name) { /* the file name without directory and extension */
		const char *base = strrchr(path, '/');
		name = base ? base + 1 : path;
	}
	ex->name = str_dup(name);
	if (ex->name && !strchr(path, '/') && strrchr(ex->name, '.'))
		*strrchr(ex->name, '.') = '\0';
	else if (ex->name && strrchr(ex->name, '.') && strrchr(ex->name, '.') != ex->name &&
		 !cJSON_GetObjectItemCaseSensitive(root, "name"))
		*strrchr(ex->name, '.') = '\0';
	ex->description = str_dup(desc);
	ex->config_path = str_dup(path);
	ex->config_dir = str_dup(c.base_dir ? c.base_dir : ".");
	if (!ex->name || !ex->description || !ex->config_path || !ex->config_dir) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	if ((rc = parse_data(&c, data, ex)))
		goto out;
	if ((rc = parse_runs(&c, root, defaults, ex)))
		goto out;
	const char *title = ex->name, *format = "png";
	if (plot) {
		static const char *const pkeys[] = {"title", "format", NULL};
		if ((rc = json_check_keys(&c, plot, "plot", pkeys)) ||
		    (rc = json_get_string(&c, plot, "plot", "title", 0, ex->name, &title)) ||
		    (rc = json_get_string(&c, plot, "plot", "format", 0, "png", &format)))
			goto out;
	}
	int f = name_map_find(&plot_format_names, format);
	if (f < 0) {
		rc = json_fail(&c, "plot.format", "unknown '%s' (png, svg, pdf)", format);
		goto out;
	}
	ex->plot_format = plot_format_names.names[f];
	if (!(ex->plot_title = str_dup(title))) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(root, "claims");
	if (claims) { /* every run's label, with no cap on their number */
		struct label_field labels = {(const char *const *)&ex->runs[0].label,
					     sizeof(ex->runs[0]), ex->n_runs};
		rc = claims_parse(&c, claims, &labels, &ex->claims, &ex->n_claims);
	}
out:
	cJSON_Delete(root);
	free(c.base_dir);
	if (rc)
		convnet_experiment_release(ex);
	return rc;
}

long convnet_run_steps(const struct convnet_run_spec *r, int n_train, long iterations)
{
	if (iterations > 0)
		return iterations;
	if (r->steps > 0)
		return r->steps;
	return (long)floor(r->epochs * n_train / r->batch);
}

void convnet_experiment_release(struct convnet_experiment *ex)
{
	for (int i = 0; ex->runs && i < ex->n_runs; i++)
		free(ex->runs[i].label);
	free(ex->runs);
	claims_release(ex->claims, ex->n_claims);
	free(ex->config_path);
	free(ex->config_dir);
	free(ex->name);
	free(ex->description);
	free(ex->data_path);
	free(ex->plot_title);
	memset(ex, 0, sizeof(*ex));
}

void convnet_config_print_keys(FILE *f)
{
	keys_print_markdown(f, &convnet_run_keys);
}

void convnet_config_print_key_paths(FILE *f)
{
	keys_print_paths(f, &convnet_run_keys, "defaults.");
}
