/* plot: writes plot.gp from summary.csv and runs gnuplot (see plot.h). */
#include "overparam/plot.h"
#include "overparam/bands.h"
#include "overparam/error.h"
#include "overparam/output.h"
#include "overparam/fileio.h"
#include "overparam/rundir.h"
#include "overparam/table.h"

#include <errno.h>
#include <math.h>
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

/* overparam runs a script with suffix set to ".tmp.PID", so gnuplot writes
 * each figure under a temporary name that publish() renames into place
 * once gnuplot has succeeded; run by hand, the script writes the figures
 * directly. */
static const char suffix_line[] = "if (!exists('suffix')) suffix = ''\n";

static int grid_lr(const struct grid_point *point, double *lr)
{
	return grid_point_value(point, "lr", lr);
}

/* 1 if run i is the first of its group and the group has at least two
 * learning rates and one that did not diverge: a group for lr.png. */
static int lr_group(const struct rundir *rd, int i)
{
	const char *group = rd->runs[i].group;
	if (rd->runs[i].replicate != 1 || !rundir_group_first(rd, i))
		return 0;
	int points = 0, alive = 0;
	double lr;
	for (int j = i; j < rd->n_runs; j++)
		if (strcmp(rd->runs[j].group, group) == 0 && rd->runs[j].replicate == 1 &&
		    grid_lr(&rd->runs[j].grid, &lr)) {
			points++;
			alive += strcmp(rd->runs[j].status, "diverged") != 0;
		}
	return points >= 2 && alive >= 1;
}

/* A second figure in the same script, lr.<format>: each group's final loss per
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
			fprintf(f, "\n# Final loss per learning rate\n"
				   "set output 'lr.%s'.suffix\n"
				   "set datafile separator whitespace\n"
				   "set logscale xy\n"
				   "set format x '%%g'\n"
				   "set xlabel 'learning rate'\n"
				   "set ylabel 'final loss (x: diverged, at the initial loss)'\n"
				   "unset title\n",
				rd->format);
		fprintf(f, "$g%d << EOD\n", n_groups);
		for (int j = i; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			if (strcmp(q->group, r->group) != 0 || q->replicate != 1 ||
			    !grid_lr(&q->grid, &lr))
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

/* The gnuplot terminal for an output format (png, svg or pdf): 1000 x 750
 * pixels (10 x 7.5 inches) per panel, rows x cols panels. */
static const char *terminal_of(const char *format, int rows, int cols, int width, int height)
{
	static char buf[160];
	int w = width > 0 ? width : 1000 * cols, h = height > 0 ? height : 750 * rows;
	if (!strcmp(format, "svg"))
		snprintf(buf, sizeof(buf), "svg size %d,%d noenhanced font 'Sans,10' background rgb 'white'", w, h);
	else if (!strcmp(format, "pdf"))
		snprintf(buf, sizeof(buf), "pdfcairo size %gin,%gin noenhanced font 'Sans,10'", w / 100.0,
			 h / 100.0);
	else
		snprintf(buf, sizeof(buf), "pngcairo size %d,%d noenhanced font 'Sans,10'", w, h);
	return buf;
}

/* The columns sv1, sv2, ... of run i's CSV: how many, and in *first the
 * 1-based column of sv1 (0 when there is none). */
static int sv_columns(const struct rundir *rd, int i, int *first)
{
	char *path = path_join(rd->dir, rd->runs[i].csv);
	struct table t;
	int n = 0;
	*first = 0;
	if (path && table_load(&t, path) == ERR_OK) {
		char name[16];
		*first = table_column(&t, "sv1") + 1;
		for (;; n++) {
			snprintf(name, sizeof(name), "sv%d", n + 1);
			if (table_column(&t, name) < 0)
				break;
		}
		table_release(&t);
	}
	err_clear();
	free(path);
	return n;
}

/* A matrix problem's figures (metadata.json has its nuclear-norm baseline):
 * sv.<format>, the singular values sv1.. of each selected run's W_e against
 * the iteration, a panel per run (the dynamics of Arora, Cohen, Hu & Luo's
 * Figure 3); scale.<format>, each group's last test error against init.scale
 * for the groups with a grid over it (their Figure 1), the baseline's test
 * error dashed. Draws nothing for other run directories. */
static void write_matrix_plots(FILE *f, const struct rundir *rd)
{
	if (isnan(rundir_baseline(rd, "nuclear")))
		return;
	/* sv1's column in each selected run, and the runs a figure draws
	 * (selected runs for sv, groups with a scale grid for scale) */
	int *sv1 = calloc(rd->n_runs ? rd->n_runs : 1, sizeof(int));
	int *groups = malloc((rd->n_runs ? rd->n_runs : 1) * sizeof(int));
	if (!sv1 || !groups)
		goto out;
	int n_sel = 0, n_sv = 0;
	for (int i = 0; i < rd->n_runs; i++)
		if (rd->runs[i].selected && rd->runs[i].replicate == 1) {
			n_sel++;
			int n = sv_columns(rd, i, &sv1[i]);
			if (!sv1[i])
				goto out; /* not a run of a matrix problem after all */
			if (!n_sv)
				n_sv = n;
		}
	if (n_sel > 0 && n_sv > 0) {
		int cols = n_sel < 3 ? n_sel : 3, rows = (n_sel + cols - 1) / cols;
		fprintf(f, "\n# Singular values of W_e per selected run\n"
			   "set terminal %s\n"
			   "set output 'sv.%s'.suffix\n"
			   "set datafile separator ','\n"
			   "set multiplot layout %d,%d\n"
			   "unset logscale\nset logscale y\nset format y '1e%%T'\n"
			   "set xlabel 'iteration'\nset ylabel 'singular value'\nset key off\n",
			terminal_of(rd->format, rows, cols, 0, 0), rd->format, rows, cols);
		for (int i = 0; i < rd->n_runs; i++) {
			const struct rundir_run *r = &rd->runs[i];
			if (!r->selected || r->replicate != 1)
				continue;
			char title[600];
			snprintf(title, sizeof(title), "%s: sv1..sv%d of W_e", r->label, n_sv);
			fputs("set title ", f);
			put_gp_string(f, title);
			fprintf(f, "\nplot for [q=%d:%d] ", sv1[i], sv1[i] + n_sv - 1);
			put_gp_string(f, r->csv);
			fputs(" skip 1 using 1:q with lines lw 2\n", f);
		}
		fputs("unset multiplot\n", f);
	}
	/* scale.<format>: groups with at least two init.scale values */
	int drawn = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		double v;
		if (r->replicate != 1 || !grid_point_value(&r->grid, "scale", &v) ||
		    !rundir_group_first(rd, i))
			continue;
		char rows[8192] = "";
		int points = 0;
		for (int j = i; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			struct curve c;
			if (strcmp(q->group, r->group) || q->replicate != 1 ||
			    !grid_point_value(&q->grid, "scale", &v) || !rundir_run_finished(q) ||
			    rundir_curve_column(rd, j, "test_error", &c))
				continue;
			if (c.n > 0 && strcmp(q->status, "diverged") != 0) {
				str_append(rows, sizeof(rows), "%.17g %.17g\n", v, c.loss[c.n - 1]);
				points++;
			}
			curve_release(&c);
		}
		err_clear();
		if (points < 2)
			continue;
		if (!drawn)
			fprintf(f, "\n# Last test error per init.scale\n"
				   "set terminal %s\n"
				   "set output 'scale.%s'.suffix\n"
				   "set datafile separator whitespace\n"
				   "unset logscale\nset logscale xy\nset format x '%%g'\nset format y '1e%%T'\n"
				   "set xlabel 'init.scale (end-to-end)'\nset ylabel 'test error at the end'\n"
				   "set key below\nunset title\n",
				terminal_of(rd->format, 1, 1, 0, 0), rd->format);
		fprintf(f, "$s%d << EOD\n%sEOD\n", drawn, rows);
		groups[drawn++] = i;
	}
	if (!drawn)
		goto out;
	double base = rundir_baseline(rd, "test_error"); /* NaN: no ground truth */
	for (int g = 0; g < drawn; g++) {
		fprintf(f, "%s$s%d using 1:2 with linespoints lw 2 pt 7 title ", g ? ", \\\n     " : "plot ", g);
		put_gp_string(f, rd->runs[groups[g]].group);
	}
	if (isfinite(base)) {
		fputs(", \\\n     ", f);
		output_put_num(f, base);
		fputs(" with lines dt 2 lw 1 lc rgb 'gray40' title 'minimum nuclear norm'", f);
	}
	fputc('\n', f);
out:
	free(sv1);
	free(groups);
}

/* The bands of rd's groups over replicates: for each group its min-max
 * band (shaded) and its median (a line). The data go to f as datablocks
 * (names unique in the script: panel is the panel's number), the plot
 * elements to plot. Returns the groups drawn, -1 on failure. */
static int emit_bands(FILE *f, const struct rundir *rd, int panel, const char *x, FILE *plot)
{
	struct band *b;
	int n;
	if (bands_compute(rd, &b, &n))
		return -1;
	int drawn = 0;
	for (int k = 0; k < n; k++) {
		if (!b[k].n)
			continue;
		fprintf(f, "$band_%d_%d << EOD\n", panel, k);
		for (int r = 0; r < b[k].n; r++) {
			fprintf(f, "%ld,", b[k].iter[r]);
			output_put_num(f, b[k].lo[r]);
			fputc(',', f);
			output_put_num(f, b[k].med[r]);
			fputc(',', f);
			output_put_num(f, b[k].hi[r]);
			fputc('\n', f);
		}
		fputs("EOD\n", f);
		fprintf(plot, "%s$band_%d_%d using %s:2:4 with filledcurves fs transparent solid 0.2 noborder lc %d notitle, \\\n"
			"     $band_%d_%d using %s:3 with lines lw 2 lc %d title ",
			drawn ? ", \\\n     " : "plot ", panel, k, x, drawn + 1, panel, k, x, drawn + 1);
		char title[512];
		snprintf(title, sizeof(title), "%s (median, min-max of %d)", b[k].group,
			 b[k].n_reps);
		put_gp_string(plot, title);
		drawn++;
	}
	bands_release(b, n);
	return drawn;
}

/* The 1-based column of run i's CSV that holds flow_bound, when it has one
 * with a finite value (diagnostics.modes from a start with a deficiency
 * margin); else 0. */
static int bound_column(const struct rundir *rd, int i)
{
	char *path = path_join(rd->dir, rd->runs[i].csv);
	struct table t;
	int col = -1;
	if (path && table_load(&t, path) == ERR_OK) { /* checked already: rundir_check_curves */
		col = table_column(&t, "flow_bound");
		int finite = 0;
		for (int r = 0; col >= 0 && r < t.n_rows && !finite; r++)
			finite = isfinite(t.v[(size_t)r * t.n_cols + col]);
		if (!finite)
			col = -1;
		table_release(&t);
	}
	err_clear(); /* no such column or none finite: nothing to draw */
	free(path);
	return col + 1;
}

/* One panel: the loss curves of rd, CSV paths prefixed with prefix (the
 * run directory as seen from gnuplot's working directory). Each group's
 * winner; a group without one (every run diverged) shows its longest-lived
 * run, dotted, as diverged with no winner. With replicates, each group's
 * median over them and its min-max band instead. A dashed line marks the
 * data's l_p floor where metadata.json has it. Returns the curves drawn
 * (-1 on failure). */
static int emit_panel(FILE *f, const struct rundir *rd, const char *prefix, int panel,
		      const char *key)
{
	fputs("set datafile separator ','\n"
	      "unset logscale\n"
	      "set logscale y\n"
	      "set format y '1e%T'\n"
	      "set xlabel 'iteration'\n"
	      "set ylabel 'training loss'\n"
	      "set grid\n", f);
	/* by default the legend under the graph, two columns: the graph keeps
	 * the panel's width, and a long title fits above it */
	fprintf(f, "%s\nset title font ',10'\n", key ? key : "set key below horizontal maxcols 2 font ',9'");
	/* log x: iteration 0 has no place on the axis; it is drawn at 1. */
	if (rd->logx)
		fputs("set logscale x\nset xlabel 'iteration (log scale; iteration 0 drawn at 1)'\n", f);
	const char *x = rd->logx ? "($1 < 1 ? 1 : $1)" : "1";
	fputs("set title ", f);
	if (rd->n_replicates > 1) {
		char title[600];
		snprintf(title, sizeof(title), "%s (%d replicates: median and min-max band)",
			 rd->title, rd->n_replicates);
		put_gp_string(f, title);
	} else {
		put_gp_string(f, rd->title);
	}
	fputc('\n', f);
	int n_plotted = 0;
	if (rd->n_replicates > 1) {
		char *text = NULL;
		size_t len = 0;
		FILE *plot = open_memstream(&text, &len);
		if (!plot)
			return err_set(ERR_RUNTIME, "out of memory"), -1;
		n_plotted = emit_bands(f, rd, panel, x, plot);
		fclose(plot);
		if (n_plotted >= 0)
			fputs(text, f);
		free(text);
		if (n_plotted < 0)
			return -1;
	}
	for (int i = 0; i < rd->n_runs && rd->n_replicates <= 1; i++) {
		const struct rundir_run *r = &rd->runs[i];
		int shown = r->selected;
		if (!shown && rundir_selected(rd, r->group, 1) < 0) {
			int longest = i;
			for (int j = 0; j < rd->n_runs; j++)
				if (strcmp(rd->runs[j].group, r->group) == 0 && rd->runs[j].replicate == 1 &&
				    rd->runs[j].last_iter > rd->runs[longest].last_iter)
					longest = j;
			shown = longest == i;
		}
		if (!shown)
			continue;
		fputs(n_plotted ? ", \\\n     " : "plot ", f);
		char path[1024];
		snprintf(path, sizeof(path), "%s%s", prefix, r->csv);
		put_gp_string(f, path);
		fprintf(f, " skip 1 using %s:2 with lines lw 2 dt %d title ", x,
			r->selected ? (name_map_find(&model_kind_names, r->model) == MODEL_E2E ? 2 : 1) : 3);
		if (r->selected) {
			put_gp_string(f, r->label);
		} else {
			char title[512];
			snprintf(title, sizeof(title), "%s (diverged at %ld; no winner)", r->label,
				 r->diverged_at);
			put_gp_string(f, title);
		}
		n_plotted++;
		int bound_col = r->selected ? bound_column(rd, i) : 0;
		if (bound_col) { /* diagnostics.modes: the gradient-flow bound beside it */
			char title[512];
			snprintf(title, sizeof(title), "%s: gradient-flow bound", r->label);
			fprintf(f, ", \\\n     '' skip 1 using %s:%d with lines lw 1 dt 4 title ", x, bound_col);
			put_gp_string(f, title);
		}
	}
	double floor = rundir_loss_floor(rd, 1);
	if (n_plotted > 0 && isfinite(floor) && floor > 0) {
		fputs(", \\\n     ", f);
		output_put_num(f, floor);
		fprintf(f, " with lines dt 4 lw 1 lc rgb 'gray40' title 'l_p floor of the data%s'",
			rd->n_replicates > 1 ? " (replicate 1)" : "");
	}
	fputc('\n', f);
	return n_plotted;
}

/* Writes dir's plot.gp; *format gets its figures' format (a static name). */
static int write_script(const char *dir, const char *gp_path, const char **format)
{
	struct rundir rd;
	int rc = rundir_load(&rd, dir, 0);
	if (rc)
		return rc;
	if ((rc = rundir_check_curves(&rd))) {
		rundir_release(&rd);
		return rc;
	}
	struct afile af = {0};
	if ((rc = afile_open(&af, gp_path))) {
		rundir_release(&rd);
		return rc;
	}
	FILE *f = af.f;
	*format = rd.format;
	fprintf(f, "# Made by overparam from summary.csv; rerun with: gnuplot plot.gp\n"
		   "%s"
		   "set terminal %s\n"
		   "set output 'loss.%s'.suffix\n",
		suffix_line, terminal_of(rd.format, 1, 1, 0, 0), rd.format);
	int n_plotted = emit_panel(f, &rd, "", 0, NULL);
	write_lr_plot(f, &rd);
	write_matrix_plots(f, &rd);
	if (n_plotted < 0)
		rc = ERR_RUNTIME;
	else if (n_plotted == 0)
		rc = err_set(ERR_RUNTIME, "'%s': no run to plot (all diverged or failed?)", dir);
	rundir_release(&rd);
	if (rc) {
		afile_abort(&af);
		return rc;
	}
	return afile_commit(&af);
}

static int run_gnuplot(const char *dir, const char *script);

int plot_gnuplot(const char *dir, const char *script)
{
	return run_gnuplot(dir, script);
}

/* Runs gnuplot on script, in dir (NULL: the current directory), with
 * suffix = ".tmp.PID". */
static int run_gnuplot(const char *dir, const char *script)
{
	const char *prog = getenv("OVERPARAM_GNUPLOT");
	if (!prog || !*prog)
		prog = "gnuplot";
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(ERR_RUNTIME, "cannot start gnuplot: %s", strerror(errno));
	if (pid == 0) {
		if (dir && chdir(dir) != 0)
			_exit(126);
		char set[64];
		snprintf(set, sizeof(set), "suffix='.tmp.%ld'", (long)getppid());
		execlp(prog, prog, "-e", set, script, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(ERR_RUNTIME, "waiting for gnuplot: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(ERR_RUNTIME,
			       "'%s' not found: the CSVs are in '%s'; install gnuplot and run 'overparam plot %s'",
			       prog, dir ? dir : ".", dir ? dir : script);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(ERR_RUNTIME, "gnuplot failed on '%s%s%s'", dir ? dir : "",
			       dir ? "/" : "", script);
	return ERR_OK;
}

/* After gnuplot: each figure's temporary (NAME.tmp.PID in dir, or the
 * current directory) renamed to NAME when ok, removed when not. */
static int publish(const char *dir, char *const *names, int n, int ok)
{
	int rc = ERR_OK;
	for (int i = 0; i < n; i++) {
		char tmp[1100], *from = NULL, *to = NULL;
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", names[i], (long)getpid());
		from = dir ? path_join(dir, tmp) : strdup(tmp);
		to = dir ? path_join(dir, names[i]) : strdup(names[i]);
		if (!from || !to)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else if (access(from, F_OK) != 0)
			; /* not drawn (lr.png when there is no grid) */
		else if (!ok)
			unlink(from);
		else if (rename(from, to) != 0 && !rc)
			rc = err_set(ERR_RUNTIME, "cannot rename '%s': %s", from, strerror(errno));
		free(from);
		free(to);
	}
	return rc;
}

int plot_dir(const char *dir)
{
	if (!path_is_dir(dir))
		return err_set(ERR_INPUT, "'%s' is not a directory", dir);
	char *gp = path_join(dir, "plot.gp");
	if (!gp)
		return err_set(ERR_RUNTIME, "out of memory");
	const char *format = "png";
	int rc = write_script(dir, gp, &format);
	free(gp);
	if (rc)
		return rc;
	char loss[32], lr[32], sv[32], scale[32];
	snprintf(loss, sizeof(loss), "loss.%s", format);
	snprintf(lr, sizeof(lr), "lr.%s", format);
	snprintf(sv, sizeof(sv), "sv.%s", format);
	snprintf(scale, sizeof(scale), "scale.%s", format);
	char *names[] = {loss, lr, sv, scale};
	rc = run_gnuplot(dir, "plot.gp");
	int prc = publish(dir, names, 4, rc == ERR_OK);
	return rc ? rc : prc;
}

/* The legend entries of a panel's script text: every curve's "title
 * '...'" in order, joined, into sig (size n). */
static void legend_of(const char *text, char *sig, size_t n)
{
	size_t len = 0;
	sig[0] = '\0';
	for (const char *t = strstr(text, " title '"); t && len + 1 < n; t = strstr(t + 1, " title '")) {
		if (t - text >= 3 && !strncmp(t - 3, "set", 3))
			continue; /* the panel's own title, not a curve's */
		const char *q = t + 8;
		while (*q && len + 2 < n && !(q[0] == '\'' && q[1] != '\'')) {
			sig[len++] = *q;
			q += q[0] == '\'' ? 2 : 1;
		}
		sig[len++] = '\n';
		sig[len] = '\0';
	}
}

/* Panel titles for a figure: "(a) title", after rundir_titles_apart. */
static int title_panels(struct rundir *rd, int n)
{
	int rc = rundir_titles_apart(rd, n);
	for (int d = 0; d < n && !rc; d++) {
		size_t len = strlen(rd[d].title) + 8;
		char *t = malloc(len);
		if (!t)
			return err_set(ERR_RUNTIME, "out of memory");
		snprintf(t, len, "(%c) %s", 'a' + d % 26, rd[d].title);
		free(rd[d].title);
		rd[d].title = t;
	}
	return rc;
}

/* Whether every panel's legend is the same: then one legend serves them
 * all. Each panel is written to memory once to read its legend. */
static int legends_shared(struct rundir *rd, char *const *dirs, int n, int *entries)
{
	char first[4096] = "", sig[4096];
	int shared = n > 1;
	*entries = 0;
	for (int d = 0; d < n && shared; d++) {
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (!m)
			return 0;
		char prefix[1024];
		snprintf(prefix, sizeof(prefix), "%s/", dirs[d]);
		int drawn = emit_panel(m, &rd[d], prefix, d, NULL);
		fclose(m);
		legend_of(text ? text : "", sig, sizeof(sig));
		free(text);
		if (drawn <= 0)
			shared = 0;
		else if (d == 0)
			snprintf(first, sizeof(first), "%s", sig);
		else
			shared = strcmp(first, sig) == 0;
	}
	err_clear();
	for (const char *c = first; shared && *c; c++)
		*entries += *c == '\n';
	return shared && *entries > 0;
}

int plot_panels(char *const *dirs, int n, const char *out, const struct plot_layout *layout)
{
	const char *ext = strrchr(out, '.');
	int fmt = ext ? name_map_find(&plot_format_names, ext + 1) : -1;
	const char *format = fmt >= 0 ? plot_format_names.names[fmt] : NULL;
	if (!format)
		return err_set(ERR_INPUT, "'%s': the figure must end in .png, .svg or .pdf", out);
	int rows = layout->rows, cols = layout->cols;
	if (rows <= 0 || cols <= 0) {
		rows = 1;
		cols = n;
	}
	if (rows * cols < n)
		return err_set(ERR_INPUT, "a %dx%d layout has no room for %d panels", rows, cols, n);
	struct rundir *rd = calloc(n, sizeof(*rd));
	if (!rd)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = ERR_OK, loaded = 0;
	while (!rc && loaded < n && !(rc = rundir_load(&rd[loaded], dirs[loaded], 0)))
		loaded++; /* a failed load releases itself */
	for (int i = 0; i < loaded && !rc; i++)
		rc = rundir_check_curves(&rd[i]);
	if (!rc && n > 1)
		rc = title_panels(rd, n);
	int entries = 0, shared = !rc && legends_shared(rd, dirs, n, &entries);
	size_t len = strlen(out) + 4;
	char *gp = malloc(len);
	struct afile af = {0};
	if (!rc && !gp)
		rc = err_set(ERR_RUNTIME, "out of memory");
	if (!rc) {
		snprintf(gp, len, "%s.gp", out);
		rc = afile_open(&af, gp);
	}
	if (!rc) {
		FILE *f = af.f;
		int height = layout->height > 0 ? layout->height : 750 * rows;
		fprintf(f, "# Made by overparam plot; rerun with: gnuplot %s\n%sset terminal %s\n"
			   "set output ",
			gp, suffix_line, terminal_of(format, rows, cols, layout->width, layout->height));
		put_gp_string(f, out);
		if (shared) {
			/* the panels' graphs in fixed screen margins, one legend
			 * below them all in up to 4 columns */
			int lines = (entries + 3) / 4;
			double bottom = (lines * 20.0 + 60) / height + 0.06 / rows;
			fprintf(f, ".suffix\nset multiplot layout %d,%d margins 0.08,0.97,%.4f,%.4f spacing 0.08,%.4f\n",
				rows, cols, bottom, 1 - 0.05 / rows, 0.12 / rows + 0.02);
		} else {
			fprintf(f, ".suffix\nset multiplot layout %d,%d\n", rows, cols);
		}
		for (int d = 0; d < n && !rc; d++) {
			char prefix[1024], key[160];
			snprintf(prefix, sizeof(prefix), "%s/", dirs[d]);
			snprintf(key, sizeof(key), d ? "unset key"
						      : "set key at screen 0.5,0.01 center bottom horizontal maxcols 4 font ',9'");
			int drawn = emit_panel(f, &rd[d], prefix, d, shared ? key : NULL);
			if (drawn < 0)
				rc = ERR_RUNTIME;
			else if (drawn == 0)
				rc = err_set(ERR_RUNTIME, "'%s': no run to plot", dirs[d]);
		}
		fputs("unset multiplot\n", f);
		if (rc)
			afile_abort(&af);
		else
			rc = afile_commit(&af);
	}
	for (int d = 0; d < loaded; d++)
		rundir_release(&rd[d]);
	free(rd);
	if (!rc) {
		char *names[] = {(char *)out};
		rc = run_gnuplot(NULL, gp);
		int prc = publish(NULL, names, 1, rc == ERR_OK);
		rc = rc ? rc : prc;
	}
	free(gp);
	return rc;
}
