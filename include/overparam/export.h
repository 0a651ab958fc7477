/* export: a run directory as one long table that pandas, polars or R read
 * in one call: a row per logged row of every finished run (ok or diverged;
 * their files are checked against SHA256SUMS and the summary first), with
 * the run's label, group, grid point, replicate, status and whether it was
 * selected, the grid point's values as numbers (grid_lr, grid_std, ...),
 * then every column of the run CSVs (the union, in first-seen order; a
 * column a run lacks is empty in CSV and null in JSON Lines).
 *   csv    a header row; text quoted where it holds a comma or quote;
 *          numbers exact (strtod reads them back), nan and inf as such
 *   jsonl  one JSON object per line; NaN and infinities as null */
#ifndef OVERPARAM_EXPORT_H
#define OVERPARAM_EXPORT_H

/* Writes dir's table in format ("csv" or "jsonl") to out (NULL: stdout),
 * whole or not at all. ERR_INPUT for an unknown format or a run directory
 * that fails its checks. */
int export_dir(const char *dir, const char *format, const char *out);

#endif
