/* dirswap: dir_replace, the one place that needs Linux's renameat2 (an
 * atomic exchange of two directories), hence _GNU_SOURCE in this unit
 * alone. Elsewhere (or on a filesystem without it) the old directory is
 * removed first, which leaves a short window without either. */
#define _GNU_SOURCE
#include "overparam/fileio.h"
#include "overparam/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int dir_replace(const char *src, const char *dst)
{
#ifdef RENAME_EXCHANGE
	if (path_is_dir(dst)) {
		if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_EXCHANGE) == 0) {
			tree_remove(src); /* now the old directory */
			return ERR_OK;
		}
		if (errno != EINVAL && errno != ENOSYS)
			return err_set(ERR_RUNTIME, "cannot exchange '%s' and '%s': %s", src, dst,
				       strerror(errno));
	}
#endif
	if (path_is_dir(dst))
		tree_remove(dst);
	if (rename(src, dst) != 0)
		return err_set(ERR_RUNTIME, "cannot rename '%s' to '%s': %s", src, dst,
			       strerror(errno));
	return ERR_OK;
}
