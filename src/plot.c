/* plot: writes plot.gp from summary.csv and runs gnuplot (see plot.h). */
#include "overparam/plot.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/output.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes s as a gnuplot single-quoted string ('' escapes a quote). */
static void put_gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* Title and log-x setting from metadata.json; defaults when absent. */
static void read_plot_settings(const char *dir, char *title, size_t n, int *logx)
{
	snprintf(title, n, "%s", dir);
	*logx = 0;
	char *path = path_join(dir, "metadata.json");
	char *text = path ? file_read_all(path, NULL) : NULL;
	free(path);
	if (!text) {
		err_clear();
		return;
	}
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *plot = cJSON_GetObjectItemCaseSensitive(root, "plot");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(plot, "title");
	if (cJSON_IsString(t))
		snprintf(title, n, "%s", t->valuestring);
	*logx = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(plot, "logx"));
	cJSON_Delete(root);
}

static int column_of(char **fields, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(fields[i], name) == 0)
			return i;
	return -1;
}

static int write_script(const char *dir, const char *gp_path)
{
	char *sum_path = path_join(dir, "summary.csv");
	FILE *in = sum_path ? fopen(sum_path, "r") : NULL;
	if (!in) {
		int rc = err_set(ERR_INPUT, "cannot open '%s': not a run directory",
				 sum_path ? sum_path : dir);
		free(sum_path);
		return rc;
	}
	char title[512];
	int logx;
	read_plot_settings(dir, title, sizeof(title), &logx);
	struct afile af = {0};
	int rc = afile_open(&af, gp_path);
	if (rc) {
		fclose(in);
		free(sum_path);
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
	if (logx)
		fputs("set logscale x\n", f);
	fputs("set title ", f);
	put_gp_string(f, title);
	fputc('\n', f);
	char *line = NULL;
	size_t cap = 0;
	char *fields[64];
	int c_label = -1, c_sel = -1, c_csv = -1, c_model = -1, n_plotted = 0;
	long lineno = 0;
	while (getline(&line, &cap, in) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		int n = csv_split(line, fields, 64);
		if (lineno == 1) {
			c_label = column_of(fields, n, "label");
			c_sel = column_of(fields, n, "selected");
			c_csv = column_of(fields, n, "csv");
			c_model = column_of(fields, n, "model");
			if (c_label < 0 || c_sel < 0 || c_csv < 0 || c_model < 0) {
				rc = err_set(ERR_INPUT, "%s:1: not an overparam summary header",
					     sum_path);
				break;
			}
			continue;
		}
		if (n <= c_csv || n <= c_sel) {
			rc = err_set(ERR_INPUT, "%s:%ld: too few columns", sum_path, lineno);
			break;
		}
		if (strcmp(fields[c_sel], "1") != 0)
			continue;
		fputs(n_plotted ? ", \\\n     " : "plot ", f);
		put_gp_string(f, fields[c_csv]);
		fprintf(f, " skip 1 using 1:2 with lines lw 2 dt %d title ",
			strcmp(fields[c_model], "e2e") == 0 ? 2 : 1);
		put_gp_string(f, fields[c_label]);
		n_plotted++;
	}
	if (!rc && n_plotted == 0)
		rc = err_set(ERR_RUNTIME, "%s: no run to plot (all diverged or failed?)",
			     sum_path);
	fputc('\n', f);
	free(line);
	fclose(in);
	free(sum_path);
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
