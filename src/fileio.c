/* fileio: write-then-rename files and small path helpers (see fileio.h). */
/* realpath: XSI, not in _POSIX_C_SOURCE alone */
#define _XOPEN_SOURCE 700
#include "overparam/fileio.h"
#include "overparam/error.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

void str_append(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}

char *str_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

int str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

int afile_open(struct afile *af, const char *path)
{
	memset(af, 0, sizeof(*af));
	size_t n = strlen(path) + 32;
	af->path = str_dup(path);
	af->tmp_path = malloc(n);
	if (!af->path || !af->tmp_path) {
		free(af->path);
		free(af->tmp_path);
		memset(af, 0, sizeof(*af));
		return err_set(ERR_RUNTIME, "out of memory");
	}
	snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
	af->f = fopen(af->tmp_path, "w");
	if (!af->f) {
		int e = errno;
		afile_abort(af);
		return err_set(ERR_RUNTIME, "cannot write '%s': %s", path, strerror(e));
	}
	return ERR_OK;
}

int afile_commit(struct afile *af)
{
	int bad = ferror(af->f);
	int e = errno;
	if (fclose(af->f) != 0) {
		bad = 1;
		e = errno;
	}
	af->f = NULL;
	if (bad) {
		err_set(ERR_RUNTIME, "cannot write '%s': %s", af->path, strerror(e));
		afile_abort(af);
		return ERR_RUNTIME;
	}
	if (rename(af->tmp_path, af->path) != 0) {
		err_set(ERR_RUNTIME, "cannot rename into '%s': %s", af->path,
			strerror(errno));
		afile_abort(af);
		return ERR_RUNTIME;
	}
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
	return ERR_OK;
}

void afile_abort(struct afile *af)
{
	if (af->f)
		fclose(af->f);
	if (af->tmp_path)
		unlink(af->tmp_path);
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
}

int afile_write_text(const char *path, const char *text)
{
	struct afile af = {0};
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs(text, af.f);
	return afile_commit(&af);
}

/* 1 if text (after a prefix) is a decimal PID of no live process. */
static int dead_pid(const char *text)
{
	char *end;
	errno = 0;
	long pid = strtol(text, &end, 10);
	if (errno || end == text || *end || pid <= 0 || pid > INT_MAX)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int afile_is_stale(const char *name)
{
	const char *dot = strrchr(name, '.'); /* before the PID */
	if (!dot || dot - name < 5 || strncmp(dot - 4, ".tmp", 4) != 0 ||
	    !isdigit((unsigned char)dot[1]))
		return 0;
	return dead_pid(dot + 1);
}

void path_sweep_stale(const char *path, const char *tag)
{
	char *dir = path_dirname(path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t nb = strlen(base), nt = strlen(tag);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, nb) != 0 || strncmp(e->d_name + nb, tag, nt) != 0 ||
		    !isdigit((unsigned char)e->d_name[nb + nt]) || !dead_pid(e->d_name + nb + nt))
			continue;
		char *p = path_join(dir, e->d_name);
		if (p)
			tree_remove(p);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
}

void afile_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (!afile_is_stale(e->d_name))
			continue;
		char *p = path_join(dir, e->d_name);
		if (p)
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
}

char *path_join(const char *dir, const char *name)
{
	if (!dir || !*dir || name[0] == '/')
		return str_dup(name);
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return p;
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return str_dup(".");
	if (slash == path)
		return str_dup("/");
	size_t n = (size_t)(slash - path);
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, path, n);
		p[n] = '\0';
	}
	return p;
}

char *path_relative(const char *from, const char *target)
{
	char *a = realpath(from, NULL), *b = realpath(target, NULL), *rel = NULL;
	if (!a || !b) {
		free(a);
		free(b);
		return str_dup(target);
	}
	/* the longest common prefix that ends at a component boundary */
	size_t common = 0;
	for (size_t i = 0;; i++) {
		int end_a = a[i] == '\0' || a[i] == '/', end_b = b[i] == '\0' || b[i] == '/';
		if (end_a && end_b)
			common = i;
		if (a[i] != b[i] || a[i] == '\0')
			break;
	}
	int ups = 0; /* the components of from past the common part */
	for (const char *p = a + common; *p; p++)
		ups += *p != '/' && (p == a + common || p[-1] == '/');
	const char *rest = b[common] == '/' ? b + common + 1 : b + common;
	size_t n = 3 * (size_t)ups + strlen(rest) + 2;
	if ((rel = malloc(n))) {
		char *w = rel;
		for (int i = 0; i < ups; i++, w += 3)
			memcpy(w, "../", 3);
		snprintf(w, n - 3 * (size_t)ups, "%s", *rest || ups ? rest : ".");
		if (w > rel && !*rest)
			w[-1] = '\0'; /* "../.." rather than "../../" */
	}
	free(a);
	free(b);
	return rel;
}

int path_mkdirs(const char *dir)
{
	char *p = str_dup(dir);
	if (!p)
		return err_set(ERR_RUNTIME, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				int e = errno;
				err_set(ERR_RUNTIME, "cannot create directory '%s': %s",
					p, strerror(e));
				free(p);
				return ERR_RUNTIME;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	if (!path_is_dir(dir))
		return err_set(ERR_RUNTIME, "'%s' exists and is not a directory", dir);
	return ERR_OK;
}

int path_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int path_dir_nonempty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

char *file_read_all(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	char *buf = stream_read_all(f, path, len_out);
	fclose(f);
	return buf;
}

char *stream_read_all(FILE *f, const char *name, size_t *len_out)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (len + 1 < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (!buf || ferror(f)) {
		err_set(ERR_INPUT, "cannot read '%s'", name);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

int file_copy(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb");
	if (!in)
		return err_set(ERR_INPUT, "cannot open '%s': %s", src, strerror(errno));
	struct afile af = {0};
	int rc = afile_open(&af, dst);
	char buf[1 << 16];
	size_t n;
	while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, af.f) != n)
			rc = err_set(ERR_RUNTIME, "cannot write '%s'", dst);
	if (!rc && ferror(in))
		rc = err_set(ERR_INPUT, "cannot read '%s'", src);
	fclose(in);
	if (rc) {
		afile_abort(&af);
		return rc;
	}
	return afile_commit(&af);
}

int tree_copy(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	if (!d)
		return err_set(ERR_INPUT, "cannot open directory '%s': %s", src, strerror(errno));
	int rc = path_mkdirs(dst);
	struct dirent *e;
	while (!rc && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *from = path_join(src, e->d_name), *to = path_join(dst, e->d_name);
		struct stat st;
		if (!from || !to)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else if (stat(from, &st) != 0)
			rc = err_set(ERR_INPUT, "cannot stat '%s': %s", from, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = tree_copy(from, to);
		else if (S_ISREG(st.st_mode))
			rc = file_copy(from, to);
		free(from);
		free(to);
	}
	closedir(d);
	return rc;
}

void tree_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		unlink(dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = path_join(dir, e->d_name);
		struct stat st;
		if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			tree_remove(p);
		else if (p)
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		char *start = p, *out = p;
		if (*p == '"') {
			p++;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			while (*p && *p != ',')
				p++;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char sep = *p;
		*out = '\0';
		if (n < max)
			fields[n] = start;
		n++;
		if (sep != ',')
			break;
		p++;
	}
	return n;
}
