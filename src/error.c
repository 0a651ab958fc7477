/* error: keeps the single most recent error message (see error.h). */
#include "overparam/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char message[2048];

int err_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return code;
}

int err_prefix(int code, const char *fmt, ...)
{
	char prefix[1024], old[sizeof(message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, message, sizeof(old));
	snprintf(message, sizeof(message), "%s: %s", prefix, old);
	return code;
}

const char *err_message(void)
{
	return message;
}

void err_clear(void)
{
	message[0] = '\0';
}
