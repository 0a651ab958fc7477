/* main: maps the command line to a command and its result to an exit code.
 * Nothing else lives here. */
#include "overparam/addrspace.h"
#include "overparam/bench.h"
#include "overparam/commands.h"
#include "overparam/compare.h"
#include "overparam/config.h"
#include "overparam/convnet_config.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/report.h"
#include "overparam/theory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One sub-command's help: its synopsis (after "overparam "), what it does,
 * and its options (NULL: none). `overparam --help` prints them all;
 * `overparam CMD --help` one. */
struct command_help {
	const char *name, *synopsis, *summary, *options;
	int (*main)(int argc, char **argv); /* runs it: argv[1] is the name */
};

static int main_run(int argc, char **argv);
static int main_merge(int argc, char **argv);
static int main_plot(int argc, char **argv);
static int main_report(int argc, char **argv);
static int main_compare(int argc, char **argv);
static int main_check(int argc, char **argv);
static int main_keys(int argc, char **argv);
static int main_bench(int argc, char **argv);

static const struct command_help commands[] = {
	{"run",
	 "run CONFIG [-o OUTDIR] [--force] [--no-plot] [--quiet]\n"
	 "                     [--iterations N] [--resume] [--init-from DIR] [--threads N]\n"
	 "                     [--no-batch] [--shard I/N [--shard-plan]] [--continue]\n"
	 "                     [--checkpoint-every SECONDS] [--set KEY=VALUE]...",
	 "  run CONFIG     train every run of the JSON experiment CONFIG; writes\n"
	 "                 OUTDIR (default results/<name>): runs/*.csv, summary.csv,\n"
	 "                 metadata.json, config.json, plot.gp, loss.png, weights/\n",
	 "options for run:\n"
	 "  -o, --output OUTDIR  where to write (refused if it exists and is not empty)\n"
	 "  --force              replace the files of an existing run directory\n"
	 "  --no-plot            write the CSVs and metadata, do not run gnuplot\n"
	 "  -q, --quiet          no data report or progress on stderr\n"
	 "  --iterations N       run every run for N iterations (a quick smoke test)\n"
	 "  --set KEY=VALUE      change the config before it is validated, e.g.\n"
	 "                       --set runs[2].optimizer.lr=0.01, --set train.iterations=5e4,\n"
	 "                       --set 'defaults.optimizer.lr=[1e-3,3e-3]' (VALUE is JSON,\n"
	 "                       else a string); OUTDIR/config.json is the result\n"
	 "  --resume             continue the interrupted run in OUTDIR (same config) to\n"
	 "                       the result an uninterrupted run would have given\n"
	 "  --init-from DIR      start each run from the final weights of the run with\n"
	 "                       the same name in run directory DIR\n"
	 "  --threads N          threads for the data pass (default: the CPUs); the\n"
	 "                       results are the same bytes for any N\n"
	 "  --no-batch           step grid points one by one instead of up to 32 together\n"
	 "                       over one data pass (one output: the same bytes)\n"
	 "  --shard I/N          run only part I of N of the plan (runs and grid points,\n"
	 "                       split by iterations); implies --continue; no plot\n"
	 "  --shard-plan         with --shard: print which runs each shard gets, run nothing\n"
	 "  --continue           start OUTDIR if absent, resume it if unfinished (even after\n"
	 "                       SIGKILL), exit 0 if complete; exit 2 if it was made from\n"
	 "                       another config or other options\n"
	 "  --checkpoint-every S save each running run's state every S seconds (default\n"
	 "                       60; 0: every 4096 iterations; -1: only on SIGINT/SIGTERM)\n",
	 main_run},
	{"merge", "merge SHARD_DIR... -o OUTDIR [--no-plot] [--quiet]",
	 "  merge DIR...   one run directory from the shards of a run (--shard): the\n"
	 "                 bytes of a single-machine run; refuses (exit 2) shards that\n"
	 "                 are missing, unfinished or from other configs or options\n",
	 "options for merge:\n"
	 "  -o, --output OUTDIR  where to write (refused if it exists and is not empty)\n"
	 "  --no-plot            do not run gnuplot\n"
	 "  -q, --quiet          no summary line on stderr\n", main_merge},
	{"plot", "plot DIR | plot DIR... -o FILE [--layout ROWSxCOLS]",
	 "  plot DIR       rewrite DIR/plot.gp from its CSVs and run gnuplot\n"
	 "  plot DIR... -o FILE  one figure (.png, .svg, .pdf) with a panel per DIR\n",
	 "options for plot:\n"
	 "  -o, --output FILE    the figure; its gnuplot script is FILE.gp\n"
	 "  --layout RxC         panels in R rows and C columns (default: one row)\n", main_plot},
	{"report", "report DIR... [-o FILE]",
	 "  report DIR...  Markdown report of run directories: loss levels reached,\n"
	 "                 the verdict of each claim in their configs (to FILE or stdout)\n",
	 "options for report:\n"
	 "  -o, --output FILE    write the report to FILE instead of stdout\n", main_report},
	{"compare", "compare EXPECTED ACTUAL [--rtol R] [--atol A] [--columns C,...]",
	 "  compare E A    compare two run directories (or two run CSVs) point by point:\n"
	 "                 |a - e| <= atol + rtol |e| (defaults 1e-9, 1e-12); exit 0 if\n"
	 "                 within tolerance, 1 if not (says where they part), 2 on bad input\n",
	 "options for compare:\n"
	 "  --rtol R, --atol A   tolerances (>= 0)\n"
	 "  --columns C,...      compare only these CSV columns\n", main_compare},
	{"check", "check [claim1|theorem2|all]",
	 "  check [WHAT]   check the paper's Claim 1 and Theorem 2 numerically (exit 1\n"
	 "                 if either fails)\n", NULL, main_check},
	{"keys", "keys",
	 "  keys           the config keys of every flat section as the README's reference\n"
	 "                 table rows (markdown), printed from the tables the parser reads\n",
	 NULL, main_keys},
	{"bench", "bench [convnet] [STEPS]",
	 "  bench [STEPS]  microseconds per training step on the Ethanol problem's shape,\n"
	 "                 with ratios to one streaming read of the data (default 2000)\n"
	 "  bench convnet [STEPS]\n"
	 "                 milliseconds per step of Figure 5 (right)'s convnet, with the\n"
	 "                 GFLOP/s of a plain GEMM of its conv 2 (default 20 steps)\n",
	 NULL, main_bench},
};
#define N_COMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static const char environment_help[] =
	"environment:\n"
	"  OVERPARAM_KERNELS    auto (default), portable, avx2 or avx512: the variant of\n"
	"                       the fixed-order kernels; all give the same bytes\n";
static const char exit_codes_help[] =
	"exit codes: 0 success, 1 runtime failure (I/O, gnuplot, interrupted),\n"
	"            2 usage or invalid input (config, data, arguments)\n";

static const struct command_help *find_command(const char *name)
{
	for (int i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Everything: every synopsis, every summary, the options of each command. */
static void print_help(FILE *f)
{
	for (int i = 0; i < N_COMMANDS; i++)
		fprintf(f, "%s overparam %s\n", i ? "      " : "usage:", commands[i].synopsis);
	fputs("       overparam CMD --help | --help | --version\n\ncommands:\n", f);
	for (int i = 0; i < N_COMMANDS; i++)
		fputs(commands[i].summary, f);
	for (int i = 0; i < N_COMMANDS; i++)
		if (commands[i].options)
			fprintf(f, "\n%s", commands[i].options);
	fprintf(f, "\n%s\n%s", environment_help, exit_codes_help);
}

static void print_command_help(FILE *f, const struct command_help *c)
{
	fprintf(f, "usage: overparam %s\n\n%s", c->synopsis, c->summary);
	if (c->options)
		fprintf(f, "\n%s", c->options);
	if (!strcmp(c->name, "run") || !strcmp(c->name, "bench"))
		fprintf(f, "\n%s", environment_help);
	fprintf(f, "\n%s", exit_codes_help);
}

/* One line naming the problem, one pointing to the help. */
static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "overparam: error: ");
	fprintf(stderr, fmt, arg);
	if (cmd && find_command(cmd))
		fprintf(stderr, "\ntry 'overparam %s --help'\n", cmd);
	else
		fprintf(stderr, "\ntry 'overparam --help'\n");
	return ERR_INPUT;
}

/* 1 if the arguments after the command ask for its help. */
static int wants_help(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int finish(int rc)
{
	if (rc != ERR_OK)
		fprintf(stderr, "overparam: error: %s\n", err_message());
	if (fflush(stdout) != 0 && rc == ERR_OK) {
		fprintf(stderr, "overparam: error: cannot write to standard output\n");
		rc = ERR_RUNTIME;
	}
	/* OpenBLAS's own threads wait forever for memory under the limit, and
	 * its exit handler joins them: leave without it (nothing is open). */
	if (addrspace_refused()) {
		fflush(NULL);
		_exit(rc);
	}
	return rc;
}

static int main_run(int argc, char **argv)
{
	static char *sets[256];
	struct run_options o = {.checkpoint_every = 60, .sets = sets};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs a directory", a);
			o.outdir = argv[++i];
		} else if (!strcmp(a, "--iterations")) {
			char *end;
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs a number", a);
			o.iterations = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || o.iterations < 1 || o.iterations > 1000000000)
				return usage_error("run", "--iterations needs an integer 1..1000000000, got '%s'",
						   argv[i]);
		} else if (!strcmp(a, "--threads")) {
			char *end;
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs a number", a);
			long n = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || n < 1 || n > 256)
				return usage_error("run", "--threads needs an integer 1..256, got '%s'", argv[i]);
			o.threads = (int)n;
		} else if (!strcmp(a, "--set")) {
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs KEY=VALUE", a);
			if (o.n_sets == (int)(sizeof(sets) / sizeof(sets[0])))
				return usage_error("run", "%s", "at most 256 --set");
			sets[o.n_sets++] = argv[++i];
		} else if (!strcmp(a, "--shard")) {
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs I/N", a);
			if (shard_parse(argv[++i], &o.shard))
				return usage_error("run", "%s", err_message());
		} else if (!strcmp(a, "--shard-plan")) {
			o.shard_plan = 1;
		} else if (!strcmp(a, "--continue")) {
			o.cont = 1;
		} else if (!strcmp(a, "--checkpoint-every")) {
			char *end;
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs a number of seconds", a);
			o.checkpoint_every = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(o.checkpoint_every >= -1) ||
			    o.checkpoint_every > 1e9)
				return usage_error("run", "--checkpoint-every needs seconds -1..1e9, got '%s'",
						   argv[i]);
		} else if (!strcmp(a, "--no-batch")) {
			o.no_batch = 1;
		} else if (!strcmp(a, "--resume")) {
			o.resume = 1;
		} else if (!strcmp(a, "--init-from")) {
			if (i + 1 >= argc)
				return usage_error("run", "'%s' needs a run directory", a);
			o.init_from = argv[++i];
		} else if (!strcmp(a, "--force")) {
			o.force = 1;
		} else if (!strcmp(a, "--no-plot")) {
			o.no_plot = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o.quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("run", "unknown option '%s'", a);
		} else if (!o.config) {
			o.config = a;
		} else {
			return usage_error("run", "unexpected argument '%s'", a);
		}
	}
	if (!o.config)
		return usage_error("run", "%s", "'run' needs a CONFIG file");
	if (o.shard_plan && !o.shard.count)
		return usage_error("run", "%s", "--shard-plan needs --shard I/N");
	/* A shard is meant to be resubmitted until it is complete. */
	if (o.shard.count && !o.force && !o.resume)
		o.cont = 1;
	return finish(cmd_run(&o));
}

static int main_plot(int argc, char **argv)
{
	const char *out = NULL;
	char **dirs = argv + 2;
	int n = 0, rows = 0, cols = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc)
				return usage_error("plot", "'%s' needs a file", a);
			out = argv[++i];
		} else if (!strcmp(a, "--layout")) {
			char x;
			if (i + 1 >= argc || sscanf(argv[++i], "%d%c%d", &rows, &x, &cols) != 3 ||
			    x != 'x' || rows < 1 || cols < 1 || rows > 20 || cols > 20)
				return usage_error("plot", "--layout needs ROWSxCOLS (1..20 each), got '%s'",
						   i < argc ? argv[i] : "");
		} else if (a[0] == '-' && a[1]) {
			return usage_error("plot", "unknown option '%s'", a);
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n == 0)
		return usage_error("plot", "%s", "'plot' needs a DIR");
	if (!out && (n > 1 || rows))
		return usage_error("plot", "%s", "several DIRs or --layout make one figure: give -o FILE");
	return finish(out ? plot_panels(dirs, n, out, rows, cols) : plot_dir(dirs[0]));
}

static int main_merge(int argc, char **argv)
{
	const char *out = NULL;
	char **dirs = argv + 2;
	int n = 0, no_plot = 0, quiet = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc)
				return usage_error("merge", "'%s' needs a directory", a);
			out = argv[++i];
		} else if (!strcmp(a, "--no-plot")) {
			no_plot = 1;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("merge", "unknown option '%s'", a);
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n == 0 || !out)
		return usage_error("merge", "%s", "'merge' needs SHARD_DIR... and -o OUTDIR");
	return finish(cmd_merge(dirs, n, out, no_plot, quiet));
}

/* Strict number parsing for option values. */
static int parse_double(const char *s, double lo, double *out)
{
	char *end;
	*out = strtod(s, &end);
	return end != s && !*end && *out >= lo && *out < 1e300;
}

static int main_compare(int argc, char **argv)
{
	struct compare_opts o = {1e-9, 1e-12, NULL};
	const char *paths[2];
	int n = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--rtol") || !strcmp(a, "--atol") || !strcmp(a, "--columns")) {
			if (i + 1 >= argc)
				return usage_error("compare", "'%s' needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--columns"))
				o.columns = v;
			else if (!parse_double(v, 0, !strcmp(a, "--rtol") ? &o.rtol : &o.atol))
				return usage_error("compare", "tolerances must be numbers >= 0, got '%s'", v);
		} else if (a[0] == '-' && a[1]) {
			return usage_error("compare", "unknown option '%s'", a);
		} else if (n < 2) {
			paths[n++] = a;
		} else {
			return usage_error("compare", "unexpected argument '%s'", a);
		}
	}
	if (n != 2)
		return usage_error("compare", "%s", "'compare' needs EXPECTED and ACTUAL");
	return finish(compare_paths(paths[0], paths[1], &o, stdout));
}

static int main_report(int argc, char **argv)
{
	const char *out = NULL;
	char **dirs = argv + 2;
	int n = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (i + 1 >= argc)
				return usage_error("report", "'%s' needs a file", argv[i]);
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("report", "unknown option '%s'", argv[i]);
		} else {
			dirs[n++] = argv[i];
		}
	}
	if (n == 0)
		return usage_error("report", "%s", "'report' needs at least one DIR");
	return finish(report_write(dirs, n, out, NULL, NULL));
}

static int main_check(int argc, char **argv)
{
	const char *what = argc >= 3 ? argv[2] : "all";
	if (argc > 3 || !theory_check_known(what))
		return usage_error(argv[1], "%s", "'check' takes claim1, theorem2 or all");
	return finish(theory_check(stdout, what));
}

static int main_keys(int argc, char **argv)
{
	if (argc > 2)
		return usage_error(argv[1], "%s", "'keys' takes no arguments");
	config_print_keys(stdout);
	convnet_config_print_keys(stdout);
	return finish(fflush(stdout) == 0 && !ferror(stdout)
			      ? ERR_OK : err_set(ERR_RUNTIME, "cannot write to stdout"));
}

static int main_bench(int argc, char **argv)
{
	const char *cmd = argv[1];
	int convnet = argc > 2 && strcmp(argv[2], "convnet") == 0;
	long steps = convnet ? 20 : 2000;
	if (argc > 3 + convnet)
		return usage_error(cmd, "%s", "'bench' takes at most [convnet] STEPS");
	if (argc == 3 + convnet) {
		char *end;
		steps = strtol(argv[2 + convnet], &end, 10);
		if (*end || end == argv[2 + convnet] || steps < 1 || steps > 100000000)
			return usage_error(cmd, "STEPS must be an integer 1..100000000, got '%s'",
					   argv[2 + convnet]);
	}
	return finish(convnet ? bench_convnet(stdout, steps) : bench_run(stdout, steps));
}

/* The command table drives dispatch, --help and `CMD --help`. */
int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "%s", "no command given");
	const char *cmd = argv[1];
	/* The kernel variant (OVERPARAM_KERNELS, default: the widest this CPU
	 * runs); every variant gives the same bits, so this only chooses speed. */
	if (kern_select_from_env())
		return finish(ERR_INPUT);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		const struct command_help *c = argc >= 3 ? find_command(argv[2]) : NULL;
		if (c)
			print_command_help(stdout, c);
		else
			print_help(stdout);
		return finish(ERR_OK);
	}
	if (!strcmp(cmd, "--version")) {
		struct lib_versions v;
		lib_versions_get(&v);
		printf("overparam %s\nOpenBLAS: %s\nLAPACK: %s\ncJSON: %s\n", OVERPARAM_VERSION,
		       v.openblas, v.lapack, v.cjson);
		return finish(ERR_OK);
	}
	const struct command_help *help = find_command(cmd);
	if (!help)
		return usage_error(NULL, "unknown command '%s'", cmd);
	if (wants_help(argc, argv)) {
		print_command_help(stdout, help);
		return finish(ERR_OK);
	}
	return help->main(argc, argv);
}
