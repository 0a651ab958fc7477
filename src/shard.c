/* shard: the plan's split into shards (see shard.h). */
#include "overparam/shard.h"
#include "overparam/error.h"

#include <stdio.h>
#include <stdlib.h>

int shard_parse(const char *text, struct shard_spec *s)
{
	char *end;
	long i = strtol(text, &end, 10);
	long n = *end == '/' ? strtol(end + 1, &end, 10) : 0;
	if (*end || i < 1 || n < 1 || i > n || n > 100000)
		return err_set(ERR_INPUT, "--shard needs i/n with 1 <= i <= n <= 100000, got '%s'",
			       text);
	s->index = (int)i;
	s->count = (int)n;
	return ERR_OK;
}

void shard_assign(const struct experiment *ex, int count, int *owner)
{
	long long total = 0, before = 0;
	for (int r = 0; r < ex->n_runs; r++)
		total += ex->runs[r].iterations;
	for (int r = 0; r < ex->n_runs; r++) {
		long long c = ex->runs[r].iterations;
		long long s = total > 0 ? (2 * before + c) * count / (2 * total) : 0;
		owner[r] = (int)(s < count ? s : count - 1) + 1;
		before += c;
	}
}

int shard_subset(const struct experiment *ex, const struct shard_spec *s,
		 struct run_subset *out)
{
	out->shard = *s;
	out->n = 0;
	out->rows = malloc((ex->n_runs ? ex->n_runs : 1) * sizeof(int));
	int *owner = malloc((ex->n_runs ? ex->n_runs : 1) * sizeof(int));
	if (!out->rows || !owner) {
		free(owner);
		run_subset_release(out);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	if (s->count)
		shard_assign(ex, s->count, owner);
	for (int r = 0; r < ex->n_runs; r++)
		if (!s->count || owner[r] == s->index)
			out->rows[out->n++] = r;
	free(owner);
	return ERR_OK;
}

void run_subset_release(struct run_subset *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

void shard_print_plan(FILE *f, const struct experiment *ex, const struct shard_spec *s)
{
	int *owner = malloc((ex->n_runs ? ex->n_runs : 1) * sizeof(int));
	if (!owner)
		return;
	shard_assign(ex, s->count, owner);
	fprintf(f, "# %d runs of '%s' in %d shards (contiguous, balanced by iterations)\n",
		ex->n_runs, ex->name, s->count);
	fprintf(f, "shard,runs,iterations,first,last\n");
	for (int k = 1; k <= s->count; k++) {
		long long cost = 0;
		int n = 0, first = -1, last = -1;
		for (int r = 0; r < ex->n_runs; r++)
			if (owner[r] == k) {
				cost += ex->runs[r].iterations;
				n++;
				last = r + 1;
				if (first < 0)
					first = r + 1;
			}
		fprintf(f, "%d/%d%s,%d,%lld,", k, s->count, k == s->index ? "*" : "", n, cost);
		if (n)
			fprintf(f, "%d,%d\n", first, last);
		else
			fprintf(f, "-,-\n");
	}
	free(owner);
}
