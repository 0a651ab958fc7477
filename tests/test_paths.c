/* Path helpers (fileio.h): path_relative gives the path a file written in
 * one directory uses to link another, checked on real directories (made
 * here) against hand-derived answers: siblings, a child, a parent, the
 * same directory, from / and through a symbolic link; and it leaves a
 * target that does not exist unchanged. */
#include "check.h"
#include "overparam/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void expect(const char *from, const char *target, const char *want)
{
	char a[256], b[256], label[512];
	snprintf(a, sizeof(a), from[0] == '/' ? "%.0s%s" : "%s/%s", root, from);
	snprintf(b, sizeof(b), "%s/%s", root, target);
	char *got = path_relative(a, b);
	snprintf(label, sizeof(label), "from '%s' to '%s': '%s' (got '%s')", from, target, want,
		 got ? got : "(null)");
	check_true(label, got && strcmp(got, want) == 0);
	free(got);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test_paths.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	const char *dirs[] = {"a", "a/b", "a/b/c", "ab", "d"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		mkdir(p, 0700);
	}
	char link[256], to[256];
	snprintf(link, sizeof(link), "%s/d/to-c", root);
	snprintf(to, sizeof(to), "%s/a/b/c", root);
	check_true("symlink made", symlink(to, link) == 0);
	expect("a", "ab", "../ab"); /* "a" is a prefix of "ab", not its parent */
	expect("a", "a/b/c", "b/c");
	expect("a/b/c", "a", "../..");
	expect("a/b/c", "ab", "../../../ab");
	expect("a/b", "a/b", ".");
	expect("d", "d/to-c", "../a/b/c");
	expect("d/to-c", "a/b", "..");
	char *got = path_relative("/", "/tmp");
	check_true("from '/' to '/tmp': 'tmp'", got && strcmp(got, "tmp") == 0);
	free(got);
	got = path_relative(root, "no/such/file");
	check_true("a target that does not exist is kept", got && strcmp(got, "no/such/file") == 0);
	free(got);
	unlink(link);
	for (int i = (int)(sizeof(dirs) / sizeof(dirs[0])) - 1; i >= 0; i--) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		rmdir(p);
	}
	rmdir(root);
	return check_done("test_paths");
}
