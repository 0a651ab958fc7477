/* plot: writes plot.gp from summary.csv and runs gnuplot (see plot.h). */
#include "overparam/plot.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes s as a gnuplot single-quoted string ('' escapes a quote; line
 * breaks, which would end the command, become blanks). */
static void put_gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* The learning rate of a grid point "...,lr=0.01,..." into *lr; 0 if none. */
static int grid_lr(const char *point, double *lr)
{
	for (const char *p = point; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, "lr=", 3) == 0) {
			*lr = strtod(p + 3, NULL);
			return 1;
		}
	return 0;
}

/* 1 if run i is the first of its group and the group has at least two
 * learning rates and one that did not diverge: a group for lr.png. */
static int lr_group(const struct rundir *rd, int i)
{
	const char *group = rd->runs[i].group;
	for (int j = 0; j < i; j++)
		if (strcmp(rd->runs[j].group, group) == 0)
			return 0;
	int points = 0, alive = 0;
	double lr;
	for (int j = i; j < rd->n_runs; j++)
		if (strcmp(rd->runs[j].group, group) == 0 && grid_lr(rd->runs[j].grid_point, &lr)) {
			points++;
			alive += strcmp(rd->runs[j].status, "diverged") != 0;
		}
	return points >= 2 && alive >= 1;
}

/* A second figure in the same script, lr.png: each group's final loss per
 * learning rate (log-log), its diverged points as crosses at its initial
 * loss; for the groups lr_group() picks. Writes nothing when there is none. */
static void write_lr_plot(FILE *f, const struct rundir *rd)
{
	int n_groups = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		double lr;
		if (!lr_group(rd, i))
			continue;
		if (n_groups == 0)
			fputs("\n# Final loss per learning rate (lr.png)\n"
			      "set output 'lr.png'\n"
			      "set datafile separator whitespace\n"
			      "set logscale xy\n"
			      "set format x '%g'\n"
			      "set xlabel 'learning rate'\n"
			      "set ylabel 'final loss (x: diverged, at the initial loss)'\n"
			      "unset title\n", f);
		fprintf(f, "$g%d << EOD\n", n_groups);
		for (int j = i; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			if (strcmp(q->group, r->group) != 0 || !grid_lr(q->grid_point, &lr))
				continue;
			int div = strcmp(q->status, "diverged") == 0;
			fprintf(f, "%.17g %.17g %.17g\n", lr, div ? NAN : q->final_loss,
				div ? q->initial_loss : NAN);
		}
		fputs("EOD\n", f);
		n_groups++;
	}
	if (n_groups == 0)
		return;
	for (int g = 0, i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		if (!lr_group(rd, i))
			continue;
		fprintf(f, "%s$g%d using 1:2 with linespoints lw 2 lc %d title ", g ? ", \\\n     " : "plot ",
			g, g + 1);
		put_gp_string(f, r->group);
		fprintf(f, ", $g%d using 1:3 with points pt 2 ps 2 lc %d notitle", g, g + 1);
		g++;
	}
	fputc('\n', f);
}

static int write_script(const char *dir, const char *gp_path)
{
	struct rundir rd;
	int rc = rundir_load(&rd, dir, 0);
	if (rc)
		return rc;
	struct afile af = {0};
	if ((rc = afile_open(&af, gp_path))) {
		rundir_release(&rd);
		return rc;
	}
	FILE *f = af.f;
	fputs("# Made by overparam from summary.csv; rerun with: gnuplot plot.gp\n"
	      "set terminal pngcairo size 1000,650 noenhanced font 'Sans,10'\n"
	      "set output 'loss.png'\n"
	      "set datafile separator ','\n"
	      "set logscale y\n"
	      "set format y '1e%T'\n"
	      "set xlabel 'iteration'\n"
	      "set ylabel 'training loss'\n"
	      "set grid\n"
	      "set key outside right top\n", f);
	/* log x: iteration 0 has no place on the axis; it is drawn at 1. */
	if (rd.logx)
		fputs("set logscale x\nset xlabel 'iteration (log scale; iteration 0 drawn at 1)'\n", f);
	const char *x = rd.logx ? "($1 < 1 ? 1 : $1)" : "1";
	fputs("set title ", f);
	put_gp_string(f, rd.title);
	fputc('\n', f);
	/* Each group's winner; a group without one (every run diverged) shows
	 * its longest-lived run, dotted, as diverged with no winner. */
	int n_plotted = 0;
	for (int i = 0; i < rd.n_runs; i++) {
		const struct rundir_run *r = &rd.runs[i];
		int shown = r->selected;
		if (!shown && rundir_selected(&rd, r->group) < 0) {
			int longest = i;
			for (int j = 0; j < rd.n_runs; j++)
				if (strcmp(rd.runs[j].group, r->group) == 0 &&
				    rd.runs[j].last_iter > rd.runs[longest].last_iter)
					longest = j;
			shown = longest == i;
		}
		if (!shown)
			continue;
		fputs(n_plotted ? ", \\\n     " : "plot ", f);
		put_gp_string(f, r->csv);
		fprintf(f, " skip 1 using %s:2 with lines lw 2 dt %d title ", x,
			r->selected ? (strcmp(r->model, "e2e") == 0 ? 2 : 1) : 3);
		if (r->selected) {
			put_gp_string(f, r->label);
		} else {
			char title[512];
			snprintf(title, sizeof(title), "%s (diverged at %ld; no winner)", r->label,
				 r->diverged_at);
			put_gp_string(f, title);
		}
		n_plotted++;
	}
	fputc('\n', f);
	write_lr_plot(f, &rd);
	if (n_plotted == 0)
		rc = err_set(ERR_RUNTIME, "'%s': no run to plot (all diverged or failed?)", dir);
	rundir_release(&rd);
	if (rc) {
		afile_abort(&af);
		return rc;
	}
	return afile_commit(&af);
}

/* Runs gnuplot plot.gp with dir as its working directory. */
static int run_gnuplot(const char *dir)
{
	const char *prog = getenv("OVERPARAM_GNUPLOT");
	if (!prog || !*prog)
		prog = "gnuplot";
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(ERR_RUNTIME, "cannot start gnuplot: %s", strerror(errno));
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		execlp(prog, prog, "plot.gp", (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(ERR_RUNTIME, "waiting for gnuplot: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(ERR_RUNTIME,
			       "'%s' not found: the CSVs are in '%s'; install gnuplot and run 'overparam plot %s'",
			       prog, dir, dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(ERR_RUNTIME, "gnuplot failed on '%s/plot.gp'", dir);
	return ERR_OK;
}

int plot_dir(const char *dir)
{
	if (!path_is_dir(dir))
		return err_set(ERR_INPUT, "'%s' is not a directory", dir);
	char *gp = path_join(dir, "plot.gp");
	if (!gp)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = write_script(dir, gp);
	free(gp);
	if (rc)
		return rc;
	return run_gnuplot(dir);
}
