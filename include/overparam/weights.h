/* weights: a run's weights and checkpoints on disk, as .npy files.
 *
 *   weights/<run>/<tag>/W1.npy .. WN.npy   deep runs (tag: init, final,
 *   weights/<run>/<tag>/We.npy             e2e runs   iter_000001000)
 *   weights/<run>/checkpoint/              an unfinished run: params.npy,
 *       opt_a.npy, opt_b.npy, twin_*.npy (flat state) and state.txt
 *       (iteration, loss statistics as exact hex floats, step counters,
 *       the SHA-256 of each state file and of the CSV rows a resume reads,
 *       and last the SHA-256 of its own lines);
 *       written at an interruption and every so often during a run, whole
 *       or not at all (see checkpoint_save)
 * where <run> is the stem of the run's CSV ("03-depth-3-width-1"). */
#ifndef OVERPARAM_WEIGHTS_H
#define OVERPARAM_WEIGHTS_H

#include "overparam/model.h"
#include "overparam/train.h"

/* "<dir>/weights/<stem>" for a run whose CSV is "runs/<stem>.csv"
 * (malloc'ed). */
char *weights_run_dir(const char *dir, const char *csv);

/* Writes every layer of mod under dir/tag/. */
int weights_save(const char *dir, const char *tag, const struct model *mod);

/* Overwrites mod's layers from dir/tag/ (shapes must match). */
int weights_load(const char *dir, const char *tag, struct model *mod);

/* Replaces dir/checkpoint/ with c. A process killed at any moment leaves
 * the old checkpoint or the new one, complete, for checkpoint_load.
 * state.txt records the SHA-256 of each state file written, of what a
 * resume will read from the run's CSV csv (its header and the rows at
 * multiples of log_every before c->t; csv NULL: none), and last of its own
 * lines. csv must be written before the checkpoint. */
int checkpoint_save(const char *dir, const struct checkpoint *c, const char *csv,
		    long log_every);

/* Deletes dir's checkpoint (after its run has finished). */
void checkpoint_remove(const char *dir);

/* 1 if dir holds a complete checkpoint. */
int checkpoint_exists(const char *dir);

/* Reads dir's checkpoint into c (release it after), verified: state.txt
 * against its own sha256 line, every state file it lists (present, same
 * SHA-256), and with csv (not NULL) the rows of the run's CSV a resume
 * reads. Anything missing or changed is ERR_INPUT naming the file. */
int checkpoint_load(const char *dir, struct checkpoint *c, const char *csv);

#endif
