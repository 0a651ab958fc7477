/* rundata: the data of a linear run (see rundata.h). */
#include "overparam/rundata.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/matrix.h"
#include "overparam/sha256.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rundata_load(const struct data_spec *spec, struct dataset *ds)
{
	switch (spec->source) {
	case DATA_GAS_DRIFT:
		return dataset_load_gas_drift(ds, spec->path, spec->batches,
					      spec->n_batches, spec->gas_class,
					      !spec->batches_all);
	case DATA_CSV:
		return dataset_load_csv(ds, spec->path, spec->labels);
	case DATA_INLINE:
		return dataset_from_arrays(ds, spec->m, spec->d, spec->k, spec->X,
					   spec->Y);
	case DATA_SYNTHETIC:
		return dataset_synthetic(ds, spec->m, spec->d, spec->k, spec->noise,
					 spec->seed);
	case DATA_WHITENED:
		return dataset_whitened(ds, spec->m, spec->d, spec->k, spec->modes, spec->n_modes,
					spec->seed);
	case DATA_MATRIX_COMPLETION:
		if (spec->path)
			return matrix_completion_load(ds, spec->path, spec->one_based, spec->held_out,
						      spec->seed);
		return spec->X ? matrix_completion_from_entries(ds, spec->d, spec->m, spec->X)
			       : matrix_completion_generate(ds, spec->d, spec->rank, spec->m, spec->seed);
	case DATA_MATRIX_SENSING:
		return matrix_sensing_generate(ds, spec->d, spec->rank, spec->m, spec->seed);
	}
	return err_set(ERR_INPUT, "unknown data source");
}

/* The data read, on stderr; missing batch files are a warning that
 * --quiet does not hide. */
void rundata_report(const struct experiment *ex, const struct dataset *ds, int quiet)
{
	if (ex->data.source == DATA_GAS_DRIFT) {
		int missing = 0;
		for (int i = 0; i < ds->n_files; i++)
			missing += !ds->files[i].present;
		if (missing) {
			fprintf(stderr, "overparam: warning: data: %d of %d batch files not found, using the rest:",
				missing, ds->n_files);
			for (int i = 0; i < ds->n_files; i++)
				if (!ds->files[i].present) {
					const char *base = strrchr(ds->files[i].path, '/');
					fprintf(stderr, " %s", base ? base + 1 : ds->files[i].path);
				}
			fputc('\n', stderr);
		}
	}
	if (quiet)
		return;
	if (ex->data.source == DATA_GAS_DRIFT) {
		fprintf(stderr, "overparam: data: gas '%s' from '%s':",
			ex->data.gas_class ? gas_drift_name(ex->data.gas_class) : "all (one-hot)",
			ex->data.path);
		for (int i = 0; i < ds->n_files; i++) {
			const char *base = strrchr(ds->files[i].path, '/');
			base = base ? base + 1 : ds->files[i].path;
			if (ds->files[i].present)
				fprintf(stderr, " %s %d", base, ds->files[i].rows_used);
		}
		fputc('\n', stderr);
	}
	if (ds->matrix) {
		const struct dataset_matrix *mp = ds->matrix;
		if (mp->m_test)
			fprintf(stderr, "overparam: data: matrix completion, %d x %d, %d entries observed and %d held out from '%s' (SHA-256 %.12s...)\n",
				mp->rows, mp->cols, mp->m, mp->m_test, ds->files[0].path, mp->digest);
		else if (!mp->truth)
			fprintf(stderr, "overparam: data: matrix completion, %d x %d, %d entries given (SHA-256 %.12s...)\n",
				mp->rows, mp->cols, mp->m, mp->digest);
		else
			fprintf(stderr, "overparam: data: matrix %s, %d x %d of rank %d, %d observations (SHA-256 %.12s...)\n",
				mp->task == MATRIX_COMPLETION ? "completion" : "sensing", mp->rows, mp->cols,
				mp->rank, mp->m, mp->digest);
		return;
	}
	fprintf(stderr, "overparam: data: %d rows, %d features, %d output(s), preprocess '%s'\n",
		ds->m, ds->d, ds->k, preprocess_mode_name(ex->data.preprocess));
}

/* The batch files of spec that exist, in its order, into present[]; their
 * count. */
static int present_batches(const struct data_spec *spec, int *present)
{
	int n = 0;
	for (int i = 0; i < spec->n_batches; i++) {
		char name[32];
		snprintf(name, sizeof(name), "batch%d.dat", spec->batches[i]);
		char *path = path_join(spec->path, name);
		if (path && (!spec->batches_all || access(path, F_OK) == 0))
			present[n++] = spec->batches[i];
		free(path);
	}
	return n;
}

/* The data spec of replicate r over batches: spec without its r-th
 * present batch file (*left_out). */
int rundata_subset(const struct experiment *ex, int r, struct data_spec *out, int *left_out)
{
	int present[GAS_DRIFT_BATCHES];
	int n = present_batches(&ex->data, present);
	if (ex->replicates > n)
		return err_set(ERR_INPUT,
			       "%s: replicate_over \"batches\": %d replicates, but %d batch files are present",
			       ex->config_path, ex->replicates, n);
	/* The spec's list without that file: with "all", the missing files
	 * stay listed as optional, so they are still reported as missing. */
	*out = ex->data;
	out->n_batches = 0;
	for (int i = 0; i < ex->data.n_batches; i++)
		if (ex->data.batches[i] != present[r])
			out->batches[out->n_batches++] = ex->data.batches[i];
	*left_out = present[r];
	return ERR_OK;
}


/* The file record of metadata.json's data.files for path, or NULL. */
static const cJSON *recorded_file(const cJSON *files, const char *path)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0)
			return f;
	}
	return NULL;
}

static int file_present(const cJSON *rec)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "present"));
}

int rundata_check_unchanged(const struct dataset *ds, const char *outdir)
{
	char *path = path_join(outdir, "metadata.json");
	char *text = path ? file_read_all(path, NULL) : NULL;
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(data, "files");
	int rc = ERR_OK;
	if (!cJSON_IsArray(files)) {
		rc = err_set(ERR_INPUT, "%s: no data.files record: cannot check that the data are the ones the runs started on",
			     path ? path : outdir);
		goto out;
	}
	for (int i = 0; i < ds->n_files && !rc; i++) {
		const char *f = ds->files[i].path;
		const cJSON *rec = recorded_file(files, f);
		int was = rec && file_present(rec), is = ds->files[i].present;
		if (!rec)
			rc = err_set(ERR_INPUT, "cannot continue '%s': data file '%s' was not read when it was started",
				     outdir, f);
		else if (was != is)
			rc = err_set(ERR_INPUT, "cannot continue '%s': data file '%s' %s since it was started",
				     outdir, f, is ? "appeared" : "disappeared");
		else if (is) {
			char hex[65];
			const cJSON *h = cJSON_GetObjectItemCaseSensitive(rec, "sha256");
			if ((rc = sha256_file(f, hex)))
				break;
			if (!cJSON_IsString(h) || strcmp(h->valuestring, hex) != 0)
				rc = err_set(ERR_INPUT, "cannot continue '%s': data file '%s' changed since it was started (SHA-256 %.12s..., recorded %.12s...)",
					     outdir, f, hex, cJSON_IsString(h) ? h->valuestring : "none");
		}
	}
	const cJSON *rec;
	cJSON_ArrayForEach(rec, files) {
		if (rc)
			break;
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "path");
		int found = 0;
		for (int i = 0; i < ds->n_files && !found; i++)
			found = cJSON_IsString(p) && strcmp(p->valuestring, ds->files[i].path) == 0;
		if (!found)
			rc = err_set(ERR_INPUT, "cannot continue '%s': data file '%s' was read when it was started, not now",
				     outdir, cJSON_IsString(p) ? p->valuestring : "?");
	}
	/* generated data: the digest of what the runs started on */
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(data, "sha256");
	if (!rc && ds->matrix && (!cJSON_IsString(h) || strcmp(h->valuestring, ds->matrix->digest) != 0))
		rc = err_set(ERR_INPUT, "cannot continue '%s': the generated matrix problem (SHA-256 %.12s...) is not the one it was started on (recorded %.12s...)",
			     outdir, ds->matrix->digest, cJSON_IsString(h) ? h->valuestring : "none");
out:
	cJSON_Delete(root);
	free(text);
	free(path);
	return rc;
}
