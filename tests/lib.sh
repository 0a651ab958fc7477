# lib.sh: what the bash tests share. Source it after setting bin and src;
# it makes $tmp (removed at exit), counts checks with ok/bad, runs commands
# with expect_rc, and ends with finish NAME (the closing 'N passed, N
# failed' line and the exit status).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*" >&2; }
expect_rc() { # expect_rc WANT LABEL cmd...; output in $tmp/out, $tmp/err
	local want="$1" label="$2"
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$label: exit $rc, want $want: $(cat "$tmp/err")"; fi
}
finish() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}
