/* Loaders on fixture files this test writes itself (LF and CRLF endings,
 * trailing blanks, malformed lines -> "file:line" errors), and, with
 * --mirror DIR, on the gas-drift mirror: 1316 Ethanol rows, 128 features,
 * concentrations 10..600 ppmv with mean 106.645 (counted independently with
 * awk over the mirror's batch files). */
#include "check.h"

#include <stdint.h>
#include "overparam/dataset.h"
#include "overparam/error.h"
#include "overparam/preprocess.h"
#include "overparam/sha256.h"

#include <unistd.h>

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* One gas-drift line: class, concentration, features i*scale+1 for i=1..128,
 * with an optional tweak of the feature part. */
static void gas_line(char *buf, size_t n, int cls, double conc, double scale,
		     const char *ending)
{
	int off = snprintf(buf, n, "%d;%g", cls, conc);
	for (int i = 1; i <= 128; i++)
		off += snprintf(buf + off, n - off, " %d:%g", i, i * scale + 1);
	snprintf(buf + off, n - off, "%s", ending);
}

static void test_gas_fixtures(void)
{
	char text[8192], line[4096];
	text[0] = '\0';
	gas_line(line, sizeof(line), 1, 10, 0.5, "\n");
	strcat(text, line);
	gas_line(line, sizeof(line), 2, 50, 1.0, "  \n");
	strcat(text, line);
	gas_line(line, sizeof(line), 1, 20, 2.0, "\r\n");
	strcat(text, line);
	gas_line(line, sizeof(line), 1, 30, 3.0, " \r\n\n");
	strcat(text, line);
	write_file("batch1.dat", text);
	int b[] = {1, 2};
	struct dataset ds;
	int rc = dataset_load_gas_drift(&ds, tmpdir, b, 2, 1, 0);
	check_true("gas fixture loads (batch2 missing, optional)", rc == 0);
	if (rc == 0) {
		check_true("3 ethanol rows", ds.m == 3 && ds.d == 128 && ds.k == 1);
		check_true("X starts a 64-byte line (the kernels' rows never straddle two)",
			   ((uintptr_t)ds.X & 63) == 0);
		double y[3] = {10, 20, 30};
		check_close("labels are concentrations", ds.Y, y, 3, 0, 0);
		double x[3] = {ds.X[0], ds.X[128 + 127], ds.X[256 + 63]};
		double want[3] = {1.5, 128 * 2.0 + 1, 64 * 3.0 + 1};
		check_close("features by index", x, want, 3, 0, 0);
		check_true("file record", ds.n_files == 2 && ds.files[0].rows_read == 4 &&
						  ds.files[0].rows_used == 3 && !ds.files[1].present);
		dataset_release(&ds);
	}
	rc = dataset_load_gas_drift(&ds, tmpdir, b, 2, 1, 1);
	check_true("required missing batch is an input error", rc == ERR_INPUT);
	check_contains("missing batch message", err_message(), "batch2.dat");

	/* Gas with no rows. */
	rc = dataset_load_gas_drift(&ds, tmpdir, b, 1, 6, 0);
	check_true("no rows of a gas is an error", rc == ERR_INPUT);
	check_contains("no rows message", err_message(), "no rows of gas 'toluene'");

	struct {
		const char *tweak_from, *tweak_to, *expect;
	} bad[] = {
		{" 5:", " 5:abc", "batch1.dat:2: feature 5: value is not a number"},
		{" 5:", " 4:", "batch1.dat:2: duplicate feature index 4"},
		{" 7:", " 7:nan", "batch1.dat:2: feature 7: non-finite value"},
		{" 128:", " 129:", "batch1.dat:2: feature index 129 out of range"},
		{"1;10", "7;10", "batch1.dat:2: gas class must be 1..6"},
		{"1;10", "1,10", "batch1.dat:2: expected 'CLASS;CONCENTRATION'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char good[4096], broken[4200];
		gas_line(good, sizeof(good), 1, 5, 1.0, "\n");
		gas_line(line, sizeof(line), 1, 10, 1.0, "\n");
		char *at = strstr(line, bad[i].tweak_from);
		size_t pre = at - line;
		snprintf(broken, sizeof(broken), "%.*s%s%s", (int)pre, line, bad[i].tweak_to,
			 at + strlen(bad[i].tweak_from));
		snprintf(text, sizeof(text), "%s%s", good, broken);
		write_file("batch1.dat", text);
		rc = dataset_load_gas_drift(&ds, tmpdir, b, 1, 1, 1);
		check_true("malformed line is an input error", rc == ERR_INPUT);
		check_contains("malformed line message", err_message(), bad[i].expect);
	}
	/* Too few features. */
	snprintf(text, sizeof(text), "1;10 1:1 2:2\n");
	write_file("batch1.dat", text);
	rc = dataset_load_gas_drift(&ds, tmpdir, b, 1, 1, 1);
	check_contains("short line", err_message(), "batch1.dat:1: expected 128 features, got 2");
}

static void test_csv_fixtures(void)
{
	write_file("a.csv", "f1,f2,y\r\n1,2,3\r\n4, 5 ,6\n\n7,8,9  \n");
	struct dataset ds;
	int rc = dataset_load_csv(&ds, "", 1);
	check_true("empty path fails", rc == ERR_INPUT);
	char path[256];
	snprintf(path, sizeof(path), "%s/a.csv", tmpdir);
	rc = dataset_load_csv(&ds, path, 1);
	check_true("csv with header loads", rc == 0);
	if (!rc) {
		double x[6] = {1, 2, 4, 5, 7, 8}, y[3] = {3, 6, 9};
		check_true("csv shape", ds.m == 3 && ds.d == 2 && ds.k == 1);
		check_close("csv X", ds.X, x, 6, 0, 0);
		check_close("csv Y", ds.Y, y, 3, 0, 0);
		dataset_release(&ds);
	}
	rc = dataset_load_csv(&ds, path, 2);
	check_true("two label columns", rc == 0 && ds.d == 1 && ds.k == 2);
	dataset_release(&ds);
	write_file("b.csv", "1,2,3\n4,5\n");
	snprintf(path, sizeof(path), "%s/b.csv", tmpdir);
	rc = dataset_load_csv(&ds, path, 1);
	check_contains("ragged csv", err_message(), "b.csv:2: expected 3 columns, got 2");
	write_file("c.csv", "1,2,3\n4,x,6\n");
	snprintf(path, sizeof(path), "%s/c.csv", tmpdir);
	rc = dataset_load_csv(&ds, path, 1);
	check_contains("non-numeric csv", err_message(), "c.csv:2: column 2: not a number");
	write_file("d.csv", "1,2,3\n4,inf,6\n");
	snprintf(path, sizeof(path), "%s/d.csv", tmpdir);
	rc = dataset_load_csv(&ds, path, 1);
	check_contains("non-finite csv", err_message(), "d.csv:2: column 2: non-finite value");
}

static void test_standardize(void)
{
	double X[6] = {1, 10, 2, 10, 3, 10}, Y[3] = {1, 2, 6};
	struct dataset ds;
	dataset_from_arrays(&ds, 3, 2, 1, X, Y);
	struct preprocess_info info;
	preprocess_apply(&ds, PREPROCESS_STANDARDIZE, &info);
	double s = sqrt(2.0 / 3.0); /* population sd of 1, 2, 3 */
	double want[6] = {-1 / s, 0, 0, 0, 1 / s, 0};
	check_close("standardized X (constant column only centred)", ds.X, want, 6, 1e-15, 1e-14);
	double sy = sqrt(((1 - 3.0) * (1 - 3.0) + 1 + 9) / 3.0);
	double wy[3] = {-2 / sy, -1 / sy, 3 / sy};
	check_close("standardized Y", ds.Y, wy, 3, 1e-15, 1e-14);
	check_true("one constant feature recorded", info.n_constant == 1);
	preprocess_info_release(&info);
	dataset_release(&ds);
}

static void test_mirror(const char *dir)
{
	int b[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	struct dataset ds;
	int rc = dataset_load_gas_drift(&ds, dir, b, 10, 1, 0);
	if (!check_true("mirror loads", rc == 0)) {
		fprintf(stderr, "  %s\n", err_message());
		return;
	}
	check_true("1316 ethanol rows, 128 features", ds.m == 1316 && ds.d == 128 && ds.k == 1);
	double lo = ds.Y[0], hi = ds.Y[0], sum = 0;
	int read = 0, present = 0;
	for (int i = 0; i < ds.m; i++) {
		lo = fmin(lo, ds.Y[i]);
		hi = fmax(hi, ds.Y[i]);
		sum += ds.Y[i];
	}
	for (int i = 0; i < ds.n_files; i++) {
		read += ds.files[i].rows_read;
		present += ds.files[i].present;
	}
	double got[3] = {lo, hi, sum / ds.m}, want[3] = {10, 600, 106.645};
	check_close("label min, max, mean", got, want, 3, 5e-4, 0);
	check_true("8 batch files, 6697 rows read", present == 8 && read == 6697);
	struct preprocess_info info;
	preprocess_apply(&ds, PREPROCESS_WHITEN, &info);
	/* After whitening the features' covariance is the identity (on the
	 * directions kept) and ||(1/m) Y^T X||_F = 1. */
	double c00 = 0, c01 = 0, cross = 0;
	for (int i = 0; i < ds.m; i++) {
		c00 += ds.X[i * 128 + 127] * ds.X[i * 128 + 127];
		c01 += ds.X[i * 128 + 127] * ds.X[i * 128 + 126];
	}
	for (int j = 0; j < 128; j++) {
		double s = 0;
		for (int i = 0; i < ds.m; i++)
			s += ds.Y[i] * ds.X[i * 128 + j];
		cross += (s / ds.m) * (s / ds.m);
	}
	double g2[3] = {c00 / ds.m, c01 / ds.m, sqrt(cross)}, w2[3] = {1, 0, 1};
	check_close("whitened covariance and cross-covariance norm", g2, w2, 3, 1e-8, 1e-8);
	preprocess_info_release(&info);
	dataset_release(&ds);
}

/* FIPS 180-4 test vectors ("abc", the 448-bit message, a million 'a'). */
static void test_sha256(void)
{
	struct sha256 s;
	char hex[65];
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final_hex(&s, hex);
	check_contains("sha256(abc)", hex,
		       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_init(&s);
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_update(&s, m, strlen(m));
	sha256_final_hex(&s, hex);
	check_contains("sha256(448 bits)", hex,
		       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_init(&s);
	char a[1000];
	memset(a, 'a', sizeof(a));
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, a, sizeof(a));
	sha256_final_hex(&s, hex);
	check_contains("sha256(million a)", hex,
		       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Whitened data: (1/m) X^T X = I, U and V orthonormal, Y = X V S U^T, all
 * to rounding (1e-13); the refusals of impossible shapes. */
static void test_whitened(void)
{
	struct dataset ds;
	const double s[2] = {2, 0.5};
	int m = 50, d = 7, k = 3, r = 2;
	check_true("whitened: made", dataset_whitened(&ds, m, d, k, s, r, 99) == 0 && ds.modes);
	check_true("whitened: X on a 64-byte line", ((uintptr_t)ds.X & 63) == 0);
	double worst_x = 0, worst_u = 0, worst_y = 0;
	for (int a = 0; a < d; a++)
		for (int b = 0; b < d; b++) {
			double g = 0;
			for (int i = 0; i < m; i++)
				g += ds.X[i * d + a] * ds.X[i * d + b];
			worst_x = fmax(worst_x, fabs(g / m - (a == b)));
		}
	for (int p = 0; p < r; p++)
		for (int q = 0; q < r; q++) {
			double gu = 0, gv = 0;
			for (int i = 0; i < k; i++)
				gu += ds.modes->U[i * r + p] * ds.modes->U[i * r + q];
			for (int i = 0; i < d; i++)
				gv += ds.modes->V[i * r + p] * ds.modes->V[i * r + q];
			worst_u = fmax(worst_u, fmax(fabs(gu - (p == q)), fabs(gv - (p == q))));
		}
	for (int i = 0; i < m; i++)
		for (int o = 0; o < k; o++) {
			double y = 0;
			for (int q = 0; q < r; q++) {
				double vx = 0;
				for (int c = 0; c < d; c++)
					vx += ds.modes->V[c * r + q] * ds.X[i * d + c];
				y += ds.modes->U[o * r + q] * s[q] * vx;
			}
			worst_y = fmax(worst_y, fabs(y - ds.Y[i * k + o]));
		}
	check_true("whitened: (1/m) X^T X = I to 1e-13", worst_x < 1e-13);
	check_true("whitened: U, V orthonormal to 1e-13", worst_u < 1e-13);
	check_true("whitened: Y = U S V^T x to 1e-13", worst_y < 1e-13);
	dataset_release(&ds);
	check_true("whitened: m < d refused", dataset_whitened(&ds, 5, 7, 3, s, 2, 1) == ERR_INPUT);
	check_true("whitened: more modes than k refused", dataset_whitened(&ds, 50, 7, 1, s, 2, 1) == ERR_INPUT);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--mirror") == 0) {
		test_mirror(argv[2]);
		return check_done("test_mirror");
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/overparam-test-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_gas_fixtures();
	test_csv_fixtures();
	test_standardize();
	test_sha256();
	test_whitened();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", tmpdir);
	return check_done("test_dataset");
}
