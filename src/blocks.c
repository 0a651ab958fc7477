/* blocks: the blocks runs train in, and their memory (see blocks.h). */
#include "overparam/blocks.h"
#include "overparam/error.h"
#include "overparam/train.h"

#include <string.h>
#include <unistd.h>

int blocks_data_index(const struct experiment *ex, const struct run_spec *r)
{
	return ex->replicate_over == REPLICATE_BATCHES ? r->replicate : 0;
}

int blocks_end(const struct experiment *ex, const struct run_subset *sub,
	       const struct dataset *ds, int no_batch, int p)
{
	const struct run_spec *first = &ex->runs[sub->rows[p]];
	int q = p + 1;
	while (!no_batch && q < sub->n && q - p < BLOCK_MAX_RUNS &&
	       strcmp(ex->runs[sub->rows[q]].group, first->group) == 0 &&
	       blocks_data_index(ex, &ex->runs[sub->rows[q]]) == blocks_data_index(ex, first) &&
	       train_batch_eligible(first, &ds[blocks_data_index(ex, first)]) &&
	       train_batch_eligible(&ex->runs[sub->rows[q]], &ds[blocks_data_index(ex, first)]))
		q++;
	return q;
}

double blocks_largest(const struct experiment *ex, const struct run_subset *sub,
		      const struct dataset *ds, int no_batch, int *big, int *n_in_block)
{
	double largest = 0;
	*big = sub->n ? sub->rows[0] : 0;
	*n_in_block = 0;
	for (int p = 0, q; p < sub->n; p = q) {
		q = blocks_end(ex, sub, ds, no_batch, p);
		double need = 0, most = -1;
		int top = sub->rows[p];
		for (int b = p; b < q; b++) {
			const struct run_spec *rb = &ex->runs[sub->rows[b]];
			double one = train_bytes_needed(rb, &ds[blocks_data_index(ex, rb)]);
			need += one;
			if (one > most) {
				most = one;
				top = sub->rows[b];
			}
		}
		if (need > largest) {
			largest = need;
			*big = top;
			*n_in_block = q - p;
		}
	}
	return largest;
}

int blocks_check_memory(const struct experiment *ex, const struct run_subset *sub,
			const struct dataset *ds, int no_batch)
{
	double have = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
	int big, n;
	double need = blocks_largest(ex, sub, ds, no_batch, &big, &n);
	if (have > 0 && need > have)
		return err_set(ERR_INPUT, "run '%s'%s needs about %.3g GiB (weights, gradient, optimizer state, workspace), this machine has %.3g GiB: make it smaller",
			       ex->runs[big].label, n > 1 ? " with its batch" : "",
			       need / 1073741824.0, have / 1073741824.0);
	return ERR_OK;
}
