/* Grid points as numbers (gridpoint.h): the text summary.csv carries is
 * made by grid_point_format and read back by grid_point_parse to the same
 * values at %g's precision, and to the same text; text that is not
 * "key=number[,key=number...]" is refused; the edge text names only the
 * axes at an edge, in the point's order. */
#include "check.h"
#include "overparam/gridpoint.h"

static void round_trip(void)
{
	struct grid_point g = {0}, back;
	grid_point_add(&g, "lr", 0.001);
	grid_point_add(&g, "std", 1.7782794100389228e-05);
	grid_point_add(&g, "momentum", 0.9);
	char text[256], again[256];
	grid_point_format(&g, text, sizeof(text));
	check_true("format: 'lr=0.001,std=1.77828e-05,momentum=0.9'",
		   strcmp(text, "lr=0.001,std=1.77828e-05,momentum=0.9") == 0);
	check_true("parse: its own text", grid_point_parse(&back, text) == 0 && back.n == 3);
	double want[3] = {0.001, 1.77828e-05, 0.9};
	check_close("parse: the values at %g's precision", back.value, want, 3, 0, 0);
	grid_point_format(&back, again, sizeof(again));
	check_true("format(parse(text)) == text", strcmp(text, again) == 0);
	double v = 0;
	check_true("value: std", grid_point_value(&back, "std", &v) == 1 && v == want[1]);
	check_true("value: no such axis", grid_point_value(&back, "beta1", &v) == 0);
	check_true("lr_only: three axes is not", !grid_point_lr_only(&back));
	struct grid_point lr = {0};
	grid_point_add(&lr, "lr", 2);
	check_true("lr_only: lr alone", grid_point_lr_only(&lr));
	struct grid_point none = {0};
	grid_point_format(&none, text, sizeof(text));
	check_true("no axes: ''", text[0] == '\0' && grid_point_parse(&back, "") == 0 && back.n == 0);
}

static void refusals(void)
{
	static const char *const bad[] = {"lr", "lr=", "=0.1", "lr=x", "lr=0.1,", "lr=0.1;std=2",
					  "lr=0.1 ", "a,b=1", "lr=0.1,,std=1",
					  "a_key_of_twenty_four_chr=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct grid_point g;
		char label[96];
		snprintf(label, sizeof(label), "parse refuses '%s'", bad[i]);
		check_true(label, grid_point_parse(&g, bad[i]) == -1);
	}
	struct grid_point full = {0};
	int rc = 0;
	for (int a = 0; a <= GRID_MAX_AXES; a++)
		rc = grid_point_add(&full, "k", a);
	check_true("add: one axis more than GRID_MAX_AXES is refused", rc == -1 && full.n == GRID_MAX_AXES);
}

static void edges(void)
{
	struct grid_point g = {0};
	grid_point_add(&g, "lr", 0.1);
	grid_point_add(&g, "std", 0.01);
	grid_point_add(&g, "weight_decay", 0);
	enum grid_side side[GRID_MAX_AXES] = {GRID_LARGEST, GRID_INSIDE, GRID_SMALLEST};
	char text[128];
	grid_edge_format(&g, side, text, sizeof(text));
	check_true("edge: 'lr=largest;weight_decay=smallest'",
		   strcmp(text, "lr=largest;weight_decay=smallest") == 0);
	enum grid_side inside[GRID_MAX_AXES] = {GRID_INSIDE};
	grid_edge_format(&g, inside, text, sizeof(text));
	check_true("edge: inside on every axis gives ''", text[0] == '\0');
}

int main(void)
{
	round_trip();
	refusals();
	edges();
	return check_done("test_gridpoint");
}
