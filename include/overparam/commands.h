/* commands: the sub-commands behind main(). Each returns an exit code
 * (enum err_code) with the message recorded on failure. */
#ifndef OVERPARAM_COMMANDS_H
#define OVERPARAM_COMMANDS_H

#include "overparam/shard.h"

struct run_options {
	const char *config;  /* config file */
	char *const *sets;   /* --set KEY=VALUE overrides, applied in order */
	int n_sets;
	const char *outdir;  /* NULL: results/<name> */
	int force;           /* replace an existing run directory */
	int no_plot;         /* skip gnuplot */
	int quiet;           /* no data report or progress on stderr */
	long iterations;     /* > 0: every run's iterations (a smoke test) */
	const char *init_from; /* run directory whose final weights start each
				  run of the same name, or NULL */
	int resume;          /* continue the interrupted run directory outdir */
	int cont;            /* start outdir, resume it, or do nothing when it
				is complete (--continue; the default of --shard) */
	struct shard_spec shard; /* run only this shard of the plan */
	int shard_plan;      /* print the shard assignment and exit */
	int dry_run;         /* check the config and data, print the plan, the
				memory and the time it would take; write nothing */
	double checkpoint_every; /* seconds between periodic checkpoints of a
				    running run; 0: every 4096 iterations;
				    < 0: none (only on SIGINT/SIGTERM) */
	int threads;         /* data-pass threads; 0: the number of CPUs */
	int no_batch;        /* step grid points one at a time */
};

/* overparam run: reads the config, applies the --set overrides and hands
 * the text to the runner of its kind (run_command.c). */
int cmd_run(const struct run_options *o);

/* overparam run for a linear config: load, train every run, write the run
 * directory, plot (run.c). Takes ownership of config_text (the config with
 * the overrides applied, kept as config.json) and frees it. */
int linear_cmd_run(const struct run_options *o, char *config_text);

/* overparam run for a convnet config (config_text holds the overrides;
 * the caller keeps it): see convnet_run.c. */
int convnet_cmd_run(const struct run_options *o, const char *config_text);

/* overparam merge SHARD... -o OUT: the run directory of the whole plan
 * from the directories of its shards (see merge.c). */
int cmd_merge(char *const *dirs, int n, const char *out, int no_plot, int quiet);


#endif
