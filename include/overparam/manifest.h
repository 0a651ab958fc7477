/* manifest: a run directory vouches for its finished runs. SHA256SUMS (in
 * sha256sum's format: "<64 hex>  <path>", sorted by path, so
 * `sha256sum -c SHA256SUMS` checks it by hand) lists every file a finished
 * run (ok or diverged) left: its CSV (runs/NN-label.csv) and its weights
 * (weights/NN-label/..., the checkpoint excepted). A run's files are
 * hashed once, when it ends (or, for a run a resume keeps, taken from the
 * directory's SHA256SUMS after they are checked against it). The writers
 * write SHA256SUMS before summary.csv, so every run summary.csv calls
 * finished is in it; metadata.json says "manifest": "SHA256SUMS", so a
 * manifest deleted is noticed. Directories written before manifests had
 * none and are checked by consistency alone (rundir_check_curves). */
#ifndef OVERPARAM_MANIFEST_H
#define OVERPARAM_MANIFEST_H

#define MANIFEST_NAME "SHA256SUMS"

struct manifest_entry {
	char *path; /* relative to the run directory, owned */
	char hex[65];
};

struct manifest {
	struct manifest_entry *e;
	int n, cap;
};

void manifest_release(struct manifest *m);

/* Hashes the files of the run whose CSV is csv (relative to dir) and adds
 * them, replacing earlier entries of the same paths. */
int manifest_add_run(struct manifest *m, const char *dir, const char *csv);

/* Copies src's entries of run csv into m (a resume keeps a finished run). */
int manifest_keep_run(struct manifest *m, const struct manifest *src, const char *csv);

/* Makes m cover run csv: as it is when m has it, else prev's entries when
 * prev (may be NULL) has it, else hashed from dir. A writer calls this for
 * every finished run before it writes SHA256SUMS: each run is hashed once. */
int manifest_cover_run(struct manifest *m, const struct manifest *prev, const char *dir,
		       const char *csv);

/* dir/SHA256SUMS, written whole (afile). */
int manifest_write(struct manifest *m, const char *dir);

/* Reads dir/SHA256SUMS; ERR_INPUT naming the file and line when a line is
 * not "<64 hex>  <path>" or a path is absolute or climbs out with "..". */
int manifest_load(struct manifest *m, const char *dir);

/* Checks the files of run csv against m: its CSV must be listed, and
 * every listed file of the run (the CSV, weights/NN-label/...) must exist
 * with its digest. ERR_INPUT naming the file and both digests. */
int manifest_check_run(const struct manifest *m, const char *dir, const char *csv);

#endif
