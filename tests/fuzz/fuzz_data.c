/* libFuzzer harness: any bytes as a gas-drift batch file (first byte even)
 * or a CSV file (odd), through the real loaders. They must load or fail
 * with ERR_INPUT and a message. Built by scripts/fuzz.sh. */
#include "overparam/dataset.h"
#include "overparam/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/overparam-fuzz-%ld", (long)getpid());
		mkdir(dir, 0700);
	}
	if (size == 0)
		return 0;
	int csv = data[0] & 1;
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, csv ? "data.csv" : "batch1.dat");
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	struct dataset ds;
	int batch = 1, rc;
	if (csv)
		rc = dataset_load_csv(&ds, path, 1 + (data[0] >> 1) % 3);
	else
		rc = dataset_load_gas_drift(&ds, dir, &batch, 1, 1 + (data[0] >> 1) % 6, 1);
	if (rc == ERR_OK)
		dataset_release(&ds);
	else if (rc != ERR_INPUT || !*err_message())
		abort();
	return 0;
}
