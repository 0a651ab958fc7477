/* stop: how a run is asked to stop. SIGINT/SIGTERM set a flag that the
 * training loops (linear and convnet) poll between steps; tests raise the
 * same signals at a chosen step instead of at a time. */
#ifndef OVERPARAM_STOP_H
#define OVERPARAM_STOP_H

#include <signal.h>

/* Set by the first SIGINT/SIGTERM after stop_signals_install(): runs stop
 * after their current step and checkpoint; a second signal changes
 * nothing (it says so on stderr); a third ends the process at once
 * (exit 1). */
extern volatile sig_atomic_t stop_requested;
void stop_signals_install(void);

/* For tests that interrupt or kill a run at a known point, not at a time:
 * OVERPARAM_TEST_RAISE=SIG@N[:R] (SIG one of INT, TERM, KILL, STOP (the process
 * freezes, still holding its lock, until SIGCONT), or INT2 and
 * INT3 for two and three SIGINTs in a row) raises SIG once, at the first call of
 * stop_test_raise_tick() with iteration >= N, of run R (1-based; any run
 * when not given). stop_test_raise_parse() reads the variable; it returns
 * ERR_INPUT with a message when it is malformed. */
int stop_test_raise_parse(void);
void stop_test_raise_tick(int run_index, long iter);

#endif
