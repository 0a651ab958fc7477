/* fileio: files that appear complete or not at all, and path helpers.
 *
 * An atomic file is written under a temporary name beside its final path and
 * renamed over it only by afile_commit(), after every write and the close
 * succeeded; on any failure, or afile_abort(), the temporary file is removed. */
#ifndef OVERPARAM_FILEIO_H
#define OVERPARAM_FILEIO_H

#include <stdio.h>

struct afile {
	FILE *f;         /* write through this */
	char *path;      /* final path (owned) */
	char *tmp_path;  /* temporary path (owned) */
};

/* Opens path's temporary twin for writing. Returns ERR_OK or ERR_RUNTIME
 * with a message naming path. */
int afile_open(struct afile *af, const char *path);

/* Closes, checks for write errors, renames into place and releases af.
 * Returns ERR_OK or ERR_RUNTIME (the temporary file is removed). */
int afile_commit(struct afile *af);

/* Closes and removes the temporary file, releases af. Accepts a zeroed af. */
void afile_abort(struct afile *af);

/* Writes the NUL-terminated text to path atomically. */
int afile_write_text(const char *path, const char *text);

/* Whether the file name is the temporary of an afile ("NAME.tmp.PID")
 * whose writing process is gone on this machine (killed before it could
 * commit or abort). */
int afile_is_stale(const char *name);

/* Removes the stale afile temporaries directly inside dir (none when dir
 * is absent). */
void afile_sweep(const char *dir);

/* Puts directory src in place of dst (which may be absent), so that a
 * process killed at any instant leaves one complete dst: the old or the
 * new (an atomic exchange where the kernel and filesystem offer it, then
 * the old one removed). ERR_RUNTIME naming both on failure. */
int dir_replace(const char *src, const char *dst);

/* Removes the directories beside path named "<path's name><tag><PID>"
 * (tag ".merge." or ".run.") whose process is gone on this machine: what
 * a merge or a convnet run killed before its rename left. */
void path_sweep_stale(const char *path, const char *tag);

/* Appends printf-style text to buf (n bytes, NUL-terminated), truncating
 * at its end. */
void str_append(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A malloc'ed copy of s (NULL without memory). */
char *str_dup(const char *s);

/* Whether s ends with suffix (and has something before it). */
int str_ends_with(const char *s, const char *suffix);

/* Returns malloc'ed "dir/name" (or name alone when name is absolute or dir
 * is NULL/empty). Caller frees. */
char *path_join(const char *dir, const char *name);

/* Returns the malloc'ed directory part of path ("." when it has none). */
char *path_dirname(const char *path);

/* target as a path relative to the directory from ("../runs/x.png"), for
 * links in a file written in from; both must exist (symbolic links are
 * resolved). target unchanged when either cannot be resolved. Caller frees;
 * NULL without memory. */
char *path_relative(const char *from, const char *target);

/* Creates dir and its missing parents (mode 0777 before umask). Returns
 * ERR_OK or ERR_RUNTIME naming the directory. */
int path_mkdirs(const char *dir);

/* 1 if path exists and is a directory, 0 otherwise. */
int path_is_dir(const char *path);

/* 1 if path is a directory holding at least one entry, 0 otherwise. */
int path_dir_nonempty(const char *path);

/* Copies the file src to dst (atomically, as an afile). */
int file_copy(const char *src, const char *dst);

/* Copies the directory tree src (regular files and directories) to dst,
 * creating dst. */
int tree_copy(const char *src, const char *dst);

/* Removes the directory tree dir (files, then directories); a missing dir
 * is not an error. */
void tree_remove(const char *dir);

/* Reads f to its end into a malloc'ed NUL-terminated buffer (name is for
 * messages); *len_out (may be NULL) gets its length. Does not close f. */
char *stream_read_all(FILE *f, const char *name, size_t *len_out);

/* Reads a whole file into a malloc'ed NUL-terminated buffer; *len_out (may
 * be NULL) gets its length. Returns NULL with a message naming path. */
char *file_read_all(const char *path, size_t *len_out);

/* Splits one CSV line in place (double-quoted fields may hold commas and
 * "" for a quote). Stores at most max fields; returns the field count. */
int csv_split(char *line, char **fields, int max);

#endif
