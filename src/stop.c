/* stop: the SIGINT/SIGTERM flag both runners poll, and the test hook that
 * raises those signals at a given iteration. Files are only ever renamed
 * into place complete, so what is on disk stays valid whenever a signal
 * lands (interrupted runs then resume from their last checkpoint). */
#include "overparam/stop.h"

#include "overparam/error.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t stop_requested;

/* The first signal asks the runs to stop after the current step and
 * checkpoint; a second one (`timeout -s INT` signals the process and then
 * its group, so two can come together) is only acknowledged; a third
 * ends the process at once. */
static void on_signal(int sig)
{
	(void)sig;
	static volatile sig_atomic_t count;
	count++;
	if (count == 2) {
		static const char msg[] = "\noverparam: interrupted again: still writing the checkpoint (a third interrupt stops at once)\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
	} else if (count >= 3) {
		static const char msg[] = "\noverparam: third interrupt: stopping now\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(ERR_RUNTIME);
	}
	stop_requested = 1;
}

void stop_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int test_raise_sig, test_raise_times;
static long test_raise_at;
static int test_raise_run;

int stop_test_raise_parse(void)
{
	const char *v = getenv("OVERPARAM_TEST_RAISE");
	if (!v || !*v)
		return ERR_OK;
	static const struct { const char *name; int sig; } sigs[] = {
		{"INT@", SIGINT}, {"TERM@", SIGTERM}, {"KILL@", SIGKILL}, {"INT2@", SIGINT},
		{"INT3@", SIGINT}, {"STOP@", SIGSTOP}};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		size_t n = strlen(sigs[i].name);
		char *end;
		if (strncmp(v, sigs[i].name, n) == 0) {
			test_raise_at = strtol(v + n, &end, 10);
			int at_number = end != v + n;
			test_raise_run = *end == ':' ? (int)strtol(end + 1, &end, 10) : 0;
			if (!*end && at_number && test_raise_at > 0 && test_raise_run >= 0) {
				test_raise_sig = sigs[i].sig;
				test_raise_times = i == 4 ? 3 : i == 3 ? 2 : 1;
				return ERR_OK;
			}
		}
	}
	return err_set(ERR_INPUT, "OVERPARAM_TEST_RAISE: expected INT@N, INT2@N, INT3@N, TERM@N, KILL@N or STOP@N (and :RUN), got '%s'", v);
}

void stop_test_raise_tick(int run_index, long iter)
{
	if (!test_raise_sig || iter < test_raise_at ||
	    (test_raise_run && test_raise_run != run_index + 1))
		return;
	int sig = test_raise_sig;
	test_raise_sig = 0;
	for (int k = 0; k < test_raise_times; k++)
		raise(sig);
}
