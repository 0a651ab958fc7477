/* commands: the sub-commands behind main(). Each returns an exit code
 * (enum err_code) with the message recorded on failure. */
#ifndef OVERPARAM_COMMANDS_H
#define OVERPARAM_COMMANDS_H

struct run_options {
	const char *config;  /* config file */
	const char *outdir;  /* NULL: results/<name> */
	int force;           /* replace an existing run directory */
	int no_plot;         /* skip gnuplot */
	int quiet;           /* no data report or progress on stderr */
	long iterations;     /* > 0: every run's iterations (a smoke test) */
	const char *init_from; /* run directory whose final weights start each
				  run of the same name, or NULL */
	int resume;          /* continue the interrupted run directory outdir */
	int threads;         /* data-pass threads; 0: the number of CPUs */
	int no_batch;        /* step grid points one at a time */
};

/* overparam run: load, train every run, write the run directory, plot. */
int cmd_run(const struct run_options *o);

/* overparam plot DIR: rewrite plot.gp from the CSVs and run gnuplot. */
int cmd_plot(const char *dir);

#endif
