/* ls: `overparam ls [DIR...] [--json]`: the run directories under results/
 * (or in and under each DIR, two levels deep), one line each, read from
 * their metadata.json and nothing else (no daemon, no lock taken): the
 * config's name, the status (running, with the writer's PID when this
 * machine holds its lock; complete; interrupted; stopped, for an
 * incomplete directory nobody writes), runs finished of listed, when the
 * last run of it started, the time since (or to its last write), for a
 * running one the time left at the rate of its finished runs' iterations,
 * and the best final loss of each group. A directory whose metadata.json
 * cannot be read is listed with the reason, not skipped. */
#ifndef OVERPARAM_LS_H
#define OVERPARAM_LS_H

#include <stdio.h>

/* Prints the listing of dirs[0..n) (n == 0: "results") to f, as aligned
 * columns or, with json, one JSON array. ERR_INPUT when a DIR given does
 * not exist. */
int ls_print(FILE *f, char *const *dirs, int n, int json);

#endif
