/* plot: a gnuplot script and a PNG of the loss curves of a run directory.
 *
 * Reads DIR/summary.csv (the runs and which are selected) and the plot
 * settings in DIR/metadata.json, writes DIR/plot.gp and runs the external
 * program gnuplot in DIR to make DIR/loss.png (or .svg, .pdf: the config's
 * plot.format) and lr.png (final loss per learning rate): training loss against
 * iteration, log-scale loss, one line per selected run (Eq. 10/12 runs
 * dashed). gnuplot is found on PATH, or named by $OVERPARAM_GNUPLOT. */
#ifndef OVERPARAM_PLOT_H
#define OVERPARAM_PLOT_H

#include "overparam/plan.h" /* plot_format_names */

/* Returns ERR_OK; ERR_INPUT when DIR is not a run directory; ERR_RUNTIME
 * when gnuplot is missing or fails (plot.gp is still written). */
int plot_dir(const char *dir);

/* How plot_panels lays a figure out. rows, cols: 0, 0 for one row. width,
 * height: the whole figure in pixels (PDF: hundredths of an inch); 0, 0:
 * 1000 x 750 per panel, so each panel keeps its 4:3 aspect in any layout. */
struct plot_layout {
	int rows, cols;
	int width, height;
};

/* One figure with a panel per run directory (dirs[0..n), the loss curves as
 * plot_dir draws them), to out (.png, .svg or .pdf), with its script beside
 * it as out.gp. With several panels each title starts with its letter,
 * "(a) ", and titles that two directories share get the directory's name;
 * when every panel's legend is the same (the same curves in the same
 * order), one legend below all panels replaces theirs. */
int plot_panels(char *const *dirs, int n, const char *out, const struct plot_layout *layout);

/* Runs gnuplot on script (a file in dir) in dir; ERR_RUNTIME when gnuplot
 * is missing or fails. For scripts other modules write (check saxe). */
int plot_gnuplot(const char *dir, const char *script);

#endif
