/* error: one recorded error message and the program's exit codes.
 *
 * Library code never exits or prints errors: it records one message with its
 * context (file, key path or line) and returns a non-zero code; main() prints
 * "overparam: error: <message>" and exits with that code. */
#ifndef OVERPARAM_ERROR_H
#define OVERPARAM_ERROR_H

enum err_code {
	ERR_OK = 0,      /* success */
	ERR_RUNTIME = 1, /* a runtime failure: I/O, gnuplot failed, a check failed */
	ERR_INPUT = 2,   /* bad usage or invalid input: config, data, arguments */
};

/* Records a printf-style message (lower-case, no final period) and returns
 * code, so that callers can write `return err_set(ERR_INPUT, "...")`. The
 * newest message replaces any earlier one. */
int err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the recorded message with "prefix: " (e.g. a file name) and
 * returns code. */
int err_prefix(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The recorded message, "" if none. Owned by this module. */
const char *err_message(void);

/* Clears the recorded message. */
void err_clear(void);

#endif
