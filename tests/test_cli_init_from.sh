#!/usr/bin/env bash
# --init-from: a run started from another's final weights starts at its
# final loss; a missing directory or run is refused, naming what is there.
# usage: test_cli_init_from.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

toy_run
# --init-from: a run started from another's final weights starts at its final loss.
expect_rc 0 "init-from" "$bin" run "$tmp/toy.json" -o "$tmp/toy3" --quiet --no-plot --init-from "$tmp/toy"
a=$(tail -n 1 "$tmp/toy/runs/01-gd.csv" | cut -d, -f2)
b=$(sed -n 2p "$tmp/toy3/runs/01-gd.csv" | cut -d, -f2)
[ "$a" = "$b" ] && ok || bad "init-from: starts at $b, the earlier run ended at $a"
expect_rc 2 "init-from a missing dir" "$bin" run "$tmp/toy.json" -o "$tmp/toy4" --quiet --init-from "$tmp/nowhere"


# --init-from DIR without the run: the message names the run and what DIR has (defect 7).
sed 's/"label": "gd"/"label": "other"/' "$tmp/toy.json" > "$tmp/toy_other.json"
expect_rc 2 "init-from without the run" "$bin" run "$tmp/toy_other.json" -o "$tmp/toy5" --quiet --init-from "$tmp/toy"
grep -q "run 'other' is not in '$tmp/toy' (it has: 'gd'" "$tmp/err" && ok || bad "init-from message: $(cat "$tmp/err")"
[ -e "$tmp/toy5" ] && bad "init-from refusal wrote output" || ok

finish test_cli_init_from
