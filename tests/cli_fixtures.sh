# cli_fixtures.sh: what the test_cli_*.sh scripts (OVERPARAM_BINARY
# SOURCE_DIR) share: sourced first, it sets bin and src from their
# arguments, sources lib.sh, and writes the configs they use into $tmp.
# toy_run makes the toy's run directory $tmp/toy that several areas read,
# and fails the script loudly if it cannot.
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"

# GD on depth 1 from W = 0 (std 0), l2, x = e1, e2, y = (3, 0.5), m = 2:
# dL/dw_i = (w_i - y_i)/2, so Delta_i(t) = -y_i (1 - lr/2)^t and
# L(t) = (1/2)(1/2) sum_i y_i^2 (1 - lr/2)^(2t).
cat > "$tmp/toy.json" <<'JSON'
{
  "name": "toy",
  "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
  "loss": {"p": 2},
  "train": {"iterations": 10, "log_every": 5},
  "runs": [{"label": "gd", "model": {"depth": 1}, "init": {"std": 0}, "optimizer": {"lr": 0.5}}]
}
JSON

toy_run() {
	"$bin" run "$tmp/toy.json" -o "$tmp/toy" --quiet > /dev/null 2> "$tmp/err" ||
		{ echo "FAIL fixture: the toy run failed: $(cat "$tmp/err")" >&2; exit 1; }
}

# long.json: a run long enough to interrupt (test_cli_interrupt).
cat > "$tmp/long.json" <<'JSON'
{
  "name": "long",
  "data": {"source": "synthetic", "m": 2000, "d": 64, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 2000000, "log_every": 1000},
  "runs": [
    {"label": "short", "model": {"depth": 1}, "train": {"iterations": 10}},
    {"label": "long", "model": {"depth": 2}},
    {"label": "never", "model": {"depth": 3}}
  ]
}
JSON
