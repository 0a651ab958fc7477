/* outdir: what `overparam run` may do with its output directory: start a
 * new one, replace a run directory (--force), resume or continue one
 * started with the same config and command-line facts, or leave a
 * complete one; and where --init-from finds each run's final weights. */
#ifndef OVERPARAM_OUTDIR_H
#define OVERPARAM_OUTDIR_H

#include "overparam/commands.h"
#include "overparam/plan.h"
#include "overparam/rundir.h"
#include "overparam/shard.h"

enum outdir_action {
	OUTDIR_START,   /* a new run directory */
	OUTDIR_RESUME,  /* an unfinished one (interrupted, killed, or running) */
	OUTDIR_COMPLETE /* --continue of a complete one: nothing to do */
};

/* Start, resume or leave outdir, by --resume, --continue and --force;
 * refuses a directory started with another config (config_text, the
 * config with its --set overrides) or other --iterations, --init-from or
 * shard. */
int outdir_decide(const struct run_options *o, const char *outdir, const char *config_text,
		  const struct run_subset *sub, enum outdir_action *act);

/* One writer per run directory: an exclusive advisory lock (flock) on the
 * directory itself, taken without waiting and held until the process
 * exits. ERR_INPUT when another process holds it, naming that process's
 * PID where /proc/locks tells it. *fd gets the descriptor that holds it. */
int outdir_lock(const char *dir, int *fd);

/* The PID of the process that holds dir's lock (a run writing it on this
 * machine), or 0: none, or not known (/proc/locks unreadable). Takes no
 * lock itself. */
long outdir_writer(const char *dir);

/* Removes the files a previous run wrote into dir (for --force). */
void outdir_clear(const char *dir);

/* The rows of the directory being resumed are the runs of sub, in order;
 * with grid rounds (rounds != 0) they may be followed by the rounds' runs
 * (checked as the rounds are replayed). */
int outdir_check_rows(const struct rundir *prev, const struct run_subset *sub,
		      const char *outdir, int rounds);

/* Reads and checks every checkpoint of an unfinished run in prev (the
 * directory being resumed): its files' digests, its state, the CSV rows
 * before it; ERR_INPUT naming the damaged file. Called before the resume
 * writes anything there. */
int outdir_check_checkpoints(const struct rundir *prev);

/* --init-from DIR: each run of sub starts from the final weights of the
 * run with its label in DIR; init_dirs[i] (malloc'ed) gets that run's
 * weights folder. */
int outdir_init_dirs(const char *dir, const struct experiment *ex,
		     const struct run_subset *sub, char **init_dirs);

#endif
