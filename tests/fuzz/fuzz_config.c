/* libFuzzer harness: any bytes as a config file. config_parse must return
 * ERR_OK or ERR_INPUT with a message, never crash, leak or read out of
 * bounds. Built by scripts/fuzz.sh. */
#include "overparam/config.h"
#include "overparam/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct experiment ex;
	int rc = config_parse(&ex, text, "/tmp/fuzz/config.json");
	if (rc == ERR_OK)
		experiment_release(&ex);
	else if (rc != ERR_INPUT && rc != ERR_RUNTIME)
		abort();
	else if (!*err_message())
		abort(); /* every failure has a message */
	free(text);
	return 0;
}
