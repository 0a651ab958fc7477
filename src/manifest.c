/* manifest: SHA256SUMS of a run directory's finished runs (see manifest.h). */
#include "overparam/manifest.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/sha256.h"
#include "overparam/weights.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void manifest_release(struct manifest *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->e[i].path);
	free(m->e);
	*m = (struct manifest){0};
}

static int find(const struct manifest *m, const char *path)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->e[i].path, path) == 0)
			return i;
	return -1;
}

static int put(struct manifest *m, const char *path, const char *hex)
{
	int i = find(m, path);
	if (i < 0) {
		if (m->n == m->cap) {
			int cap = m->cap ? 2 * m->cap : 64;
			struct manifest_entry *e = realloc(m->e, (size_t)cap * sizeof(*e));
			if (!e)
				return err_set(ERR_RUNTIME, "out of memory");
			m->e = e;
			m->cap = cap;
		}
		if (!(m->e[m->n].path = str_dup(path)))
			return err_set(ERR_RUNTIME, "out of memory");
		i = m->n++;
	}
	memcpy(m->e[i].hex, hex, 65);
	return ERR_OK;
}

/* "weights/NN-label" for runs/NN-label.csv (relative), into buf. */
static void weights_rel(const char *csv, char *buf, size_t size)
{
	char *w = weights_run_dir("", csv);
	snprintf(buf, size, "%s", w ? w + (w[0] == '/') : "");
	free(w);
}

/* Whether rel (a manifest path) belongs to run csv. */
static int of_run(const char *rel, const char *csv, const char *wrel)
{
	size_t n = strlen(wrel);
	return strcmp(rel, csv) == 0 || (n && strncmp(rel, wrel, n) == 0 && rel[n] == '/');
}

/* Adds every file under dir/rel (recursively), but checkpoints and
 * temporaries. */
static int add_tree(struct manifest *m, const char *dir, const char *rel)
{
	char *abs = path_join(dir, rel);
	DIR *d = abs ? opendir(abs) : NULL;
	int rc = abs ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	struct dirent *e;
	while (d && !rc && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "checkpoint", 10) == 0 ||
		    afile_is_stale(e->d_name))
			continue;
		char *sub = path_join(rel, e->d_name), *full = sub ? path_join(dir, sub) : NULL;
		char hex[65];
		if (!full)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else if (path_is_dir(full))
			rc = add_tree(m, dir, sub);
		else if (!(rc = sha256_file(full, hex)))
			rc = put(m, sub, hex);
		free(sub);
		free(full);
	}
	if (d)
		closedir(d);
	free(abs);
	return rc;
}

int manifest_add_run(struct manifest *m, const char *dir, const char *csv)
{
	char *path = path_join(dir, csv), hex[65], wrel[320];
	int rc = path ? sha256_file(path, hex) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	if (!rc)
		rc = put(m, csv, hex);
	weights_rel(csv, wrel, sizeof(wrel));
	char *w = path_join(dir, wrel);
	if (!rc && w && path_is_dir(w))
		rc = add_tree(m, dir, wrel);
	free(w);
	return rc;
}

int manifest_keep_run(struct manifest *m, const struct manifest *src, const char *csv)
{
	char wrel[320];
	weights_rel(csv, wrel, sizeof(wrel));
	int rc = ERR_OK;
	for (int i = 0; i < src->n && !rc; i++)
		if (of_run(src->e[i].path, csv, wrel))
			rc = put(m, src->e[i].path, src->e[i].hex);
	return rc;
}

int manifest_cover_run(struct manifest *m, const struct manifest *prev, const char *dir,
		       const char *csv)
{
	if (find(m, csv) >= 0)
		return ERR_OK;
	if (prev && find(prev, csv) >= 0)
		return manifest_keep_run(m, prev, csv);
	return manifest_add_run(m, dir, csv);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct manifest_entry *)a)->path,
		      ((const struct manifest_entry *)b)->path);
}

int manifest_write(struct manifest *m, const char *dir)
{
	if (m->n > 1) /* (qsort of NULL is undefined, even for 0 items) */
		qsort(m->e, (size_t)m->n, sizeof(*m->e), by_path);
	char *path = path_join(dir, MANIFEST_NAME);
	struct afile af;
	int rc = path ? afile_open(&af, path) : err_set(ERR_RUNTIME, "out of memory");
	for (int i = 0; !rc && i < m->n; i++)
		fprintf(af.f, "%s  %s\n", m->e[i].hex, m->e[i].path);
	if (!rc)
		rc = afile_commit(&af);
	free(path);
	return rc;
}

static int is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int manifest_load(struct manifest *m, const char *dir)
{
	*m = (struct manifest){0};
	char *path = path_join(dir, MANIFEST_NAME);
	char *text = path ? file_read_all(path, NULL) : NULL;
	int rc = text ? ERR_OK : err_set(ERR_INPUT, "%s: cannot read it", path ? path : dir);
	long line = 0;
	for (char *p = text, *nl; !rc && p && *p; p = nl + 1) {
		line++;
		if (!(nl = strchr(p, '\n'))) {
			rc = err_set(ERR_INPUT, "%s:%ld: no newline at the end: the file was cut", path, line);
			break;
		}
		*nl = '\0';
		const char *rel = p + 66;
		if (nl - p < 67 || !is_hex64(p) || p[64] != ' ' || p[65] != ' ' || rel[0] == '/' ||
		    strstr(rel, "..")) {
			rc = err_set(ERR_INPUT, "%s:%ld: not '<sha256>  <path>' inside the directory", path, line);
			break;
		}
		p[64] = '\0';
		rc = put(m, rel, p);
	}
	free(text);
	free(path);
	if (rc)
		manifest_release(m);
	return rc;
}

int manifest_check_run(const struct manifest *m, const char *dir, const char *csv)
{
	char wrel[320];
	weights_rel(csv, wrel, sizeof(wrel));
	if (find(m, csv) < 0)
		return err_set(ERR_INPUT, "%s/%s: not in %s, which lists every finished run's files: the directory was changed",
			       dir, csv, MANIFEST_NAME);
	for (int i = 0; i < m->n; i++) {
		if (!of_run(m->e[i].path, csv, wrel))
			continue;
		char *path = path_join(dir, m->e[i].path), hex[65];
		if (!path)
			return err_set(ERR_RUNTIME, "out of memory");
		int rc = sha256_file(path, hex);
		if (rc)
			rc = err_set(ERR_INPUT, "%s: missing or unreadable: %s lists it (run the config again to recompute it)",
				     path, MANIFEST_NAME);
		else if (strcmp(hex, m->e[i].hex) != 0)
			rc = err_set(ERR_INPUT, "%s: changed since it was written (SHA-256 %.12s..., %s says %.12s...): run the config again to recompute it",
				     path, hex, MANIFEST_NAME, m->e[i].hex);
		free(path);
		if (rc)
			return rc;
	}
	return ERR_OK;
}
