#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` puts the binary, the man page and the
# bash completion in place; the man page renders without warnings and names
# every option that `overparam CMD --help` lists, and the completion offers
# them; it completes commands, config files and directories.
# usage: test_install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
p="$tmp/prefix"
cmake --install "$build" --prefix "$p" > "$tmp/install.log" 2>&1 && ok || bad "install: $(cat "$tmp/install.log")"
bin="$p/bin/overparam"
man1=$(ls "$p"/share/man/man1/overparam.1 2> /dev/null)
comp="$p/share/bash-completion/completions/overparam"
[ -x "$bin" ] && ok || bad "no installed binary"
[ -n "$man1" ] && ok || bad "no installed man page"
[ -f "$comp" ] && ok || bad "no installed bash completion"
expect_rc 0 "installed --version" "$bin" --version
grep -q "^OpenBLAS: " "$tmp/out" && ok || bad "installed --version: $(cat "$tmp/out")"
if command -v man > /dev/null; then
	MANWIDTH=80 man --warnings -l "$man1" > "$tmp/man.txt" 2> "$tmp/man.err"
	[ -s "$tmp/man.txt" ] && [ ! -s "$tmp/man.err" ] && ok || bad "man -l: $(head -3 "$tmp/man.err")"
	grep -q "^NAME" "$tmp/man.txt" && grep -q "^EXIT STATUS" "$tmp/man.txt" && ok || bad "man page sections"
fi
# Every option of every command's help is in the man page and the completion.
. "$comp"
complete_words() { # complete_words WORD...: the completion of the last word
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_overparam
	printf '%s\n' "${COMPREPLY[@]}"
}
for c in run merge plot report compare ls export; do
	for opt in $("$bin" "$c" --help | grep -E '^  -' | grep -oE -- "--[a-z][a-z-]+" | sort -u); do
		grep -qF -- "${opt//-/\\-}" "$man1" && ok || bad "man page lacks $c $opt"
		complete_words overparam "$c" "--" | grep -qx -- "$opt" && ok || bad "completion lacks $c $opt"
	done
done
[ "$(complete_words overparam r | tr '\n' ' ')" = "run report " ] && ok || bad "completion of 'r': $(complete_words overparam r)"
mkdir -p "$tmp/cfgs/sub" && touch "$tmp/cfgs/a.json" "$tmp/cfgs/notes.txt"
complete_words overparam run "$tmp/cfgs/" > "$tmp/c.txt"
grep -qx "$tmp/cfgs/a.json" "$tmp/c.txt" && grep -qx "$tmp/cfgs/sub" "$tmp/c.txt" && ! grep -q notes "$tmp/c.txt" &&
	ok || bad "completion of run CONFIG: $(cat "$tmp/c.txt")"
complete_words overparam run x.json -o "$tmp/cfgs/" | grep -qx "$tmp/cfgs/sub" && ok || bad "completion of -o DIR"
# --set completes key paths from the binary's own tables, with the '='.
[ "$(complete_words "$bin" run x.json --set train.it | tr '\n' ' ')" = "train.iterations= " ] && ok ||
	bad "completion of --set train.it: $(complete_words "$bin" run x.json --set train.it)"
complete_words "$bin" run x.json --set defaults.optimizer. | grep -qx "defaults.optimizer.lr=" && ok ||
	bad "completion of --set defaults.optimizer.: $(complete_words "$bin" run x.json --set defaults.optimizer.)"
finish test_install
