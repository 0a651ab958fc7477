/* main: maps the command line to a command and its result to an exit code.
 * Nothing else lives here. */
#include "overparam/addrspace.h"
#include "overparam/args.h"
#include "overparam/bench.h"
#include "overparam/clock.h"
#include "overparam/commands.h"
#include "overparam/compare.h"
#include "overparam/config.h"
#include "overparam/convnet_config.h"
#include "overparam/error.h"
#include "overparam/export.h"
#include "overparam/fileio.h"
#include "overparam/kernels.h"
#include "overparam/ls.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/report.h"
#include "overparam/saxe.h"
#include "overparam/sidebyside.h"
#include "overparam/theory.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The options of each sub-command: one table each, read by the parser and
 * printed by --help (args.h). Each command's values go to its struct. */
#define OPT(name, alias, meta, kind, type, field, lo, hi, help) \
	{name, alias, meta, kind, offsetof(type, field), lo, hi, NULL, help}
#define FLAG(name, alias, type, field, help) OPT(name, alias, NULL, ARG_FLAG, type, field, 0, 0, help)

/* overparam run: the options, and the --set values before they join them */
struct run_args {
	struct run_options o;
	struct arg_list sets;
};

static int parse_shard(const char *text, void *field)
{
	return shard_parse(text, field); /* its message names --shard */
}

static const struct arg_option run_opts[] = {
	OPT("--output", "-o", "OUTDIR", ARG_STRING, struct run_args, o.outdir, 0, 0,
	    "where to write (refused if it exists and is not empty)"),
	FLAG("--force", NULL, struct run_args, o.force,
	     "replace the files of an existing run directory (what else\n"
	     "is there stays); refused on a directory that holds no run"),
	FLAG("--no-plot", NULL, struct run_args, o.no_plot,
	     "write the CSVs and metadata, do not run gnuplot"),
	FLAG("--quiet", "-q", struct run_args, o.quiet, "no data report or progress on stderr"),
	OPT("--iterations", NULL, "N", ARG_LONG, struct run_args, o.iterations, 1, 1e9,
	    "run every run for N iterations (a quick smoke test)"),
	OPT("--set", NULL, "KEY=VALUE", ARG_APPEND, struct run_args, sets, 0, 0,
	    "change the config before it is validated, e.g.\n"
	    "--set runs[2].optimizer.lr=0.01, --set train.iterations=5e4,\n"
	    "--set 'defaults.optimizer.lr=[1e-3,3e-3]' (VALUE is JSON, else\n"
	    "a string; one that starts like JSON, with a digit, -, [, {,\n"
	    "\" or true/false/null, is refused unless it parses);\n"
	    "OUTDIR/config.json is the result"),
	FLAG("--resume", NULL, struct run_args, o.resume,
	     "continue the interrupted run in OUTDIR (same config) to\n"
	     "the result an uninterrupted run would have given"),
	OPT("--init-from", NULL, "DIR", ARG_STRING, struct run_args, o.init_from, 0, 0,
	    "start each run from the final weights of the run with\n"
	    "the same name in run directory DIR"),
	OPT("--threads", NULL, "N", ARG_INT, struct run_args, o.threads, 1, 256,
	    "threads for the data pass (default: the CPUs); the\n"
	    "results are the same bytes for any N"),
	FLAG("--no-batch", NULL, struct run_args, o.no_batch,
	     "step grid points one by one instead of up to 32 together\n"
	     "over one data pass (one output: the same bytes)"),
	{"--shard", NULL, "I/N", ARG_PARSE, offsetof(struct run_args, o.shard), 0, 0, parse_shard,
	 "run only part I of N of the plan (runs and grid points,\n"
	 "split by iterations); implies --continue; no plot"},
	FLAG("--shard-plan", NULL, struct run_args, o.shard_plan,
	     "with --shard: print which runs each shard gets, run nothing"),
	FLAG("--dry-run", NULL, struct run_args, o.dry_run,
	     "check the config and the data, print the plan, the memory\n"
	     "and the time it will take here (calibrated); write nothing"),
	FLAG("--continue", NULL, struct run_args, o.cont,
	     "start OUTDIR if absent, resume it if unfinished (even after\n"
	     "SIGKILL), exit 0 if complete; exit 2 if it was made from\n"
	     "another config or other options"),
	OPT("--checkpoint-every", NULL, "S", ARG_DOUBLE, struct run_args, o.checkpoint_every, -1,
	    1e9,
	    "save each running run's state every S seconds (default\n"
	    "60; 0: every 4096 iterations; -1: only on SIGINT/SIGTERM)"),
};

struct merge_args {
	const char *out;
	int no_plot, quiet;
};
static const struct arg_option merge_opts[] = {
	OPT("--output", "-o", "OUTDIR", ARG_STRING, struct merge_args, out, 0, 0,
	    "where to write (refused if it exists and is not empty)"),
	FLAG("--no-plot", NULL, struct merge_args, no_plot, "do not run gnuplot"),
	FLAG("--quiet", "-q", struct merge_args, quiet, "no summary line on stderr"),
};

struct plot_args {
	const char *out;
	int layout[2]; /* rows, columns; 0: one row */
	int size[2];   /* width, height in pixels; 0: 1000 x 750 per panel */
};

/* "AxB" with lo <= A, B <= hi into out[0..1]; 0, or -1 when text is not. */
static int parse_pair(const char *text, int *out, int lo, int hi)
{
	char x, extra;
	return sscanf(text, "%d%c%d%c", &out[0], &x, &out[1], &extra) == 3 && x == 'x' &&
			       out[0] >= lo && out[1] >= lo && out[0] <= hi && out[1] <= hi
		       ? 0
		       : -1;
}

static int parse_size(const char *text, void *field)
{
	if (parse_pair(text, field, 100, 20000))
		return err_set(ERR_INPUT, "--size needs WIDTHxHEIGHT in pixels (100..20000 each), got '%s'", text);
	return ERR_OK;
}

static int parse_layout(const char *text, void *field)
{
	if (parse_pair(text, field, 1, 20))
		return err_set(ERR_INPUT, "--layout needs ROWSxCOLS (1..20 each), got '%s'", text);
	return ERR_OK;
}

static const struct arg_option plot_opts[] = {
	OPT("--output", "-o", "FILE", ARG_STRING, struct plot_args, out, 0, 0,
	    "the figure; its gnuplot script is FILE.gp"),
	{"--layout", NULL, "RxC", ARG_PARSE, offsetof(struct plot_args, layout), 0, 0, parse_layout,
	 "panels in R rows and C columns (default: one row)"},
	{"--size", NULL, "WxH", ARG_PARSE, offsetof(struct plot_args, size), 0, 0, parse_size,
	 "the figure's size in pixels (PDF: 1/100 in; default\n"
	 "1000x750 per panel, each panel 4:3 in any layout)"},
};

struct report_args {
	const char *out;
};
static const struct arg_option report_opts[] = {
	OPT("--output", "-o", "FILE", ARG_STRING, struct report_args, out, 0, 0,
	    "write the report to FILE instead of stdout"),
};

static const struct arg_option compare_opts[] = {
	OPT("--rtol", NULL, "R", ARG_DOUBLE, struct compare_opts, rtol, 0, 1e300,
	    "relative tolerance (default 1e-9)"),
	OPT("--atol", NULL, "A", ARG_DOUBLE, struct compare_opts, atol, 0, 1e300,
	    "absolute tolerance (default 1e-12)"),
	OPT("--columns", NULL, "C,...", ARG_STRING, struct compare_opts, columns, 0, 0,
	    "compare only these CSV columns"),
	FLAG("--summary", NULL, struct compare_opts, summary,
	     "not a check: each group's winner in A and in B side by side\n"
	     "(final loss, iterations to shared loss levels, seconds);\n"
	     "any two run directories, of one config or of two"),
};

struct export_args {
	const char *out, *format;
};
static const struct arg_option export_opts[] = {
	OPT("--format", NULL, "csv|jsonl", ARG_STRING, struct export_args, format, 0, 0,
	    "csv (default) or jsonl (one JSON object per line)"),
	OPT("--output", "-o", "FILE", ARG_STRING, struct export_args, out, 0, 0,
	    "write the table to FILE instead of stdout"),
};

struct ls_args {
	int json;
};
static const struct arg_option ls_opts[] = {
	FLAG("--json", NULL, struct ls_args, json, "one JSON array instead of columns (for scripts)"),
};

#define OPTIONS(table) table, (int)(sizeof(table) / sizeof(table[0]))

/* One sub-command: its synopsis (after "overparam "), what it does, its
 * options (none: NULL, 0) and the function that runs it (argv[1] is the
 * name). `overparam --help` prints them all; `overparam CMD --help` one. */
struct command {
	const char *name, *synopsis, *summary;
	const struct arg_option *opts;
	int n_opts;
	int (*main)(int argc, char **argv);
};

static int main_run(int argc, char **argv);
static int main_merge(int argc, char **argv);
static int main_plot(int argc, char **argv);
static int main_report(int argc, char **argv);
static int main_compare(int argc, char **argv);
static int main_check(int argc, char **argv);
static int main_keys(int argc, char **argv);
static int main_ls(int argc, char **argv);
static int main_export(int argc, char **argv);
static int main_bench(int argc, char **argv);

static const struct command commands[] = {
	{"run",
	 "run CONFIG [-o OUTDIR] [--force] [--no-plot] [--quiet]\n"
	 "                     [--iterations N] [--resume] [--init-from DIR] [--threads N]\n"
	 "                     [--no-batch] [--shard I/N [--shard-plan]] [--dry-run]\n"
	 "                     [--continue] [--checkpoint-every SECONDS] [--set KEY=VALUE]...",
	 "  run CONFIG     train every run of the JSON experiment CONFIG; writes\n"
	 "                 OUTDIR (default results/<name>): runs/*.csv, summary.csv,\n"
	 "                 metadata.json, config.json, plot.gp, loss.png, weights/\n",
	 OPTIONS(run_opts), main_run},
	{"merge", "merge SHARD_DIR... -o OUTDIR [--no-plot] [--quiet]",
	 "  merge DIR...   one run directory from the shards of a run (--shard): the\n"
	 "                 bytes of a single-machine run; refuses (exit 2) shards that\n"
	 "                 are missing, unfinished or from other configs or options\n",
	 OPTIONS(merge_opts), main_merge},
	{"plot", "plot DIR | plot DIR... -o FILE [--layout ROWSxCOLS] [--size WxH]",
	 "  plot DIR       rewrite DIR/plot.gp from its CSVs and run gnuplot\n"
	 "  plot DIR... -o FILE  one figure (.png, .svg, .pdf) with a panel per DIR\n",
	 OPTIONS(plot_opts), main_plot},
	{"report", "report DIR... [-o FILE]",
	 "  report DIR...  Markdown report of run directories: loss levels reached,\n"
	 "                 the verdict of each claim in their configs (to FILE or stdout)\n",
	 OPTIONS(report_opts), main_report},
	{"compare", "compare EXPECTED ACTUAL [--rtol R] [--atol A] [--columns C,...] [--summary]",
	 "  compare E A    compare two run directories (or two run CSVs) point by point:\n"
	 "                 |a - e| <= atol + rtol |e| (defaults 1e-9, 1e-12); exit 0 if\n"
	 "                 within tolerance, 1 if not (says where they part), 2 on bad input\n",
	 OPTIONS(compare_opts), main_compare},
	{"check", "check [claim1|theorem2|saxe [--curves DIR]|all]",
	 "  check [WHAT]   check the paper's Claim 1 and Theorem 2 numerically, and\n"
	 "                 (saxe) the trainer against the exact learning curves of\n"
	 "                 deep linear networks; exit 1 if any fails\n", NULL, 0, main_check},
	{"export", "export DIR [--format csv|jsonl] [-o FILE]",
	 "  export DIR     one long table of DIR's finished runs (a row per logged row:\n"
	 "                 run, group, grid point, replicate, status, selected, the\n"
	 "                 grid values, every CSV column), for pandas/polars/R\n",
	 OPTIONS(export_opts), main_export},
	{"ls", "ls [DIR...] [--json]",
	 "  ls [DIR...]    the run directories under results/ (or in and under each DIR):\n"
	 "                 config, status (running with its PID, complete, interrupted,\n"
	 "                 stopped), runs finished, started, elapsed, time left, and\n"
	 "                 the best final loss per group, from metadata.json and\n"
	 "                 summary.csv\n",
	 OPTIONS(ls_opts), main_ls},
	{"keys", "keys [--set-paths]",
	 "  keys           the config keys of every flat section as the README's reference\n"
	 "                 tables (markdown), linear and convnet configs apart, printed\n"
	 "                 from the tables the parser reads; --set-paths: one --set key\n"
	 "                 path per line (for shell completion)\n",
	 NULL, 0, main_keys},
	{"bench", "bench [convnet] [STEPS] | bench [STEPS] --plot FILE",
	 "  bench [STEPS]  microseconds per training step on the Ethanol problem's shape,\n"
	 "                 with ratios to one streaming read of the data (default 2000)\n"
	 "  bench convnet [STEPS]\n"
	 "                 milliseconds per step of Figure 5 (right)'s convnet, with the\n"
	 "                 GFLOP/s of a plain GEMM of its conv 2 (default 20 steps)\n",
	 NULL, 0, main_bench},
};
#define N_COMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static const char environment_help[] =
	"environment:\n"
	"  OVERPARAM_KERNELS    auto (default), portable, avx2 or avx512: the variant of\n"
	"                       the fixed-order kernels; all give the same bytes\n";
static const char exit_codes_help[] =
	"exit codes: 0 success, 1 runtime failure (I/O, gnuplot, interrupted),\n"
	"            2 usage or invalid input (config, data, arguments)\n";

static const struct command *find_command(const char *name)
{
	for (int i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* "options for CMD:" and the rows of its option table. */
static void print_options(FILE *f, const struct command *c)
{
	if (!c->n_opts)
		return;
	fprintf(f, "\noptions for %s:\n", c->name);
	args_print_help(f, c->opts, c->n_opts);
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
		print_options(f, &commands[i]);
	fprintf(f, "\n%s\n%s", environment_help, exit_codes_help);
}

static void print_command_help(FILE *f, const struct command *c)
{
	fprintf(f, "usage: overparam %s\n\n%s", c->synopsis, c->summary);
	print_options(f, c);
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

/* Parses argv[2..] by cmd's table into args; positional arguments into pos. */
static int parse_command(int argc, char **argv, void *args, char **pos, int max_pos, int *n_pos)
{
	const struct command *c = find_command(argv[1]);
	if (args_parse(argc, argv, 2, c->opts, c->n_opts, args, pos, max_pos, n_pos))
		return usage_error(c->name, "%s", err_message());
	return ERR_OK;
}

static int main_run(int argc, char **argv)
{
	static char *sets[256];
	struct run_args a = {.o = {.checkpoint_every = 60}, .sets = {sets, 0, 256}};
	char *config[1];
	int n;
	if (parse_command(argc, argv, &a, config, 1, &n))
		return ERR_INPUT;
	a.o.config = n ? config[0] : NULL;
	a.o.sets = sets;
	a.o.n_sets = a.sets.n;
	if (!a.o.config)
		return usage_error("run", "%s", "'run' needs a CONFIG file");
	if (a.o.shard_plan && !a.o.shard.count)
		return usage_error("run", "%s", "--shard-plan needs --shard I/N");
	if (a.o.dry_run && (a.o.shard_plan || a.o.resume || a.o.force || a.o.init_from))
		return usage_error("run", "%s", "--dry-run goes with neither --shard-plan, --resume, --force nor --init-from");
	/* A shard is meant to be resubmitted until it is complete. */
	if (a.o.shard.count && !a.o.force && !a.o.resume)
		a.o.cont = 1;
	return finish(cmd_run(&a.o));
}

static int main_plot(int argc, char **argv)
{
	struct plot_args a = {0};
	char **dirs = argv + 2; /* the positional arguments, in place */
	int n;
	if (parse_command(argc, argv, &a, dirs, argc, &n))
		return ERR_INPUT;
	if (n == 0)
		return usage_error("plot", "%s", "'plot' needs a DIR");
	if (!a.out && (n > 1 || a.layout[0] || a.size[0]))
		return usage_error("plot", "%s", "several DIRs, --layout or --size make one figure: give -o FILE");
	struct plot_layout lay = {a.layout[0], a.layout[1], a.size[0], a.size[1]};
	return finish(a.out ? plot_panels(dirs, n, a.out, &lay) : plot_dir(dirs[0]));
}

static int main_merge(int argc, char **argv)
{
	struct merge_args a = {0};
	char **dirs = argv + 2;
	int n;
	if (parse_command(argc, argv, &a, dirs, argc, &n))
		return ERR_INPUT;
	if (n == 0 || !a.out)
		return usage_error("merge", "%s", "'merge' needs SHARD_DIR... and -o OUTDIR");
	return finish(cmd_merge(dirs, n, a.out, a.no_plot, a.quiet));
}

static int main_compare(int argc, char **argv)
{
	struct compare_opts o = {1e-9, 1e-12, NULL, 0};
	char *paths[2];
	int n;
	if (parse_command(argc, argv, &o, paths, 2, &n))
		return ERR_INPUT;
	if (n != 2)
		return usage_error("compare", "%s", "'compare' needs EXPECTED and ACTUAL");
	if (o.summary)
		return finish(sidebyside_dirs(stdout, paths[0], paths[1]));
	return finish(compare_paths(paths[0], paths[1], &o, stdout));
}

static int main_report(int argc, char **argv)
{
	struct report_args a = {0};
	char **dirs = argv + 2;
	int n;
	if (parse_command(argc, argv, &a, dirs, argc, &n))
		return ERR_INPUT;
	if (n == 0)
		return usage_error("report", "%s", "'report' needs at least one DIR");
	return finish(report_write(dirs, n, a.out, NULL, NULL));
}

static int main_check(int argc, char **argv)
{
	const char *what = argc >= 3 ? argv[2] : "all";
	if (argc == 5 && !strcmp(what, "saxe") && !strcmp(argv[3], "--curves")) {
		if (path_mkdirs(argv[4]))
			return finish(ERR_RUNTIME);
		return finish(saxe_check(stdout, argv[4]));
	}
	if (argc > 3 || !theory_check_known(what))
		return usage_error(argv[1], "%s", "'check' takes claim1, theorem2, saxe [--curves DIR] or all");
	return finish(theory_check(stdout, what));
}

static int main_export(int argc, char **argv)
{
	struct export_args a = {NULL, "csv"};
	char *dir[1];
	int n;
	if (parse_command(argc, argv, &a, dir, 1, &n))
		return ERR_INPUT;
	if (n != 1)
		return usage_error("export", "%s", "'export' needs one DIR");
	return finish(export_dir(dir[0], a.format, a.out));
}

static int main_ls(int argc, char **argv)
{
	struct ls_args a = {0};
	char **dirs = argv + 2;
	int n;
	if (parse_command(argc, argv, &a, dirs, argc, &n))
		return ERR_INPUT;
	return finish(ls_print(stdout, dirs, n, a.json));
}

static int main_keys(int argc, char **argv)
{
	int paths = argc == 3 && strcmp(argv[2], "--set-paths") == 0;
	if (argc > 3 || (argc == 3 && !paths))
		return usage_error(argv[1], "%s", "'keys' takes only --set-paths");
	static const char header[] = "| key | type | default | meaning |\n|---|---|---|---|\n";
	if (paths) {
		config_print_key_paths(stdout);
		convnet_config_print_key_paths(stdout);
	} else {
		printf("## Linear configs: the flat sections (loss, train, select at the top level; model, init, optimizer, diagnostics in defaults or a run)\n\n%s", header);
		config_print_keys(stdout);
		printf("\n## Convnet configs (Figure 5 right): run keys, in defaults or a run\n\n%s", header);
		convnet_config_print_keys(stdout);
	}
	return finish(fflush(stdout) == 0 && !ferror(stdout)
			      ? ERR_OK : err_set(ERR_RUNTIME, "cannot write to stdout"));
}

static int main_bench(int argc, char **argv)
{
	const char *cmd = argv[1];
	const char *plot = NULL;
	if (argc >= 4 && !strcmp(argv[argc - 2], "--plot")) { /* bench [STEPS] --plot FILE */
		plot = argv[argc - 1];
		argc -= 2;
	}
	int convnet = argc > 2 && strcmp(argv[2], "convnet") == 0;
	if (convnet && plot)
		return usage_error(cmd, "%s", "--plot is for the linear bench");
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
	return finish(convnet ? bench_convnet(stdout, steps) : bench_run(stdout, steps, plot));
}

/* The command table drives dispatch, --help and `CMD --help`. */
int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "%s", "no command given");
	const char *cmd = argv[1];
	clock_started_utc(); /* marks the start, for run directories' started_utc */
	/* The kernel variant (OVERPARAM_KERNELS, default: the widest this CPU
	 * runs); every variant gives the same bits, so this only chooses speed. */
	if (kern_select_from_env())
		return finish(ERR_INPUT);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		const struct command *c = argc >= 3 ? find_command(argv[2]) : NULL;
		if (argc >= 3 && !c)
			return usage_error(NULL, "no command '%s' to help with", argv[2]);
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
	const struct command *help = find_command(cmd);
	if (!help)
		return usage_error(NULL, "unknown command '%s'", cmd);
	if (wants_help(argc, argv)) {
		print_command_help(stdout, help);
		return finish(ERR_OK);
	}
	return help->main(argc, argv);
}
