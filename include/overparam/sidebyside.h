/* sidebyside: two run directories (of one config or of two) side by side,
 * group by group: each group's selected run (replicate 1) in each, its
 * grid point, status, final loss, the iterations it needed to reach four
 * loss levels shared by both (geometric between the lowest initial and the
 * lowest final loss of the two, as the report's table), its seconds, and
 * B's final loss over A's. Groups only one has show as absent in the
 * other. For `compare A B --summary` and `report A B`. */
#ifndef OVERPARAM_SIDEBYSIDE_H
#define OVERPARAM_SIDEBYSIDE_H

#include "overparam/rundir.h"

#include <stdio.h>

/* The Markdown table of a and b (loaded and checked) to f. */
int sidebyside_table(FILE *f, const struct rundir *a, const struct rundir *b);

/* Loads and checks (rundir_check_curves) the directories a and b, then
 * prints their table with a heading naming both. */
int sidebyside_dirs(FILE *f, const char *a, const char *b);

#endif
