# bash completion for overparam: commands, each command's options, config
# files (*.json) after `run`, directories where one is expected, and the
# config key paths after --set (from `overparam keys --set-paths`, the
# tables the parser reads; KEY= is offered, the value is yours).
# Installed by `cmake --install` as share/bash-completion/completions/overparam;
# or: source scripts/overparam-completion.bash
_overparam()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="run merge plot report compare ls export check keys bench help --help --version"
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		return
	fi
	local cmd=${COMP_WORDS[1]} opts
	case "$prev" in
	-o | --output | --init-from)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "csv jsonl" -- "$cur")
		return ;;
	--set)
		local paths
		paths=$("${COMP_WORDS[0]}" keys --set-paths 2> /dev/null | sed 's/$/=/')
		mapfile -t COMPREPLY < <(compgen -W "$paths" -- "$cur")
		compopt -o nospace 2> /dev/null
		return ;;
	--iterations | --threads | --shard | --checkpoint-every | --rtol | --atol | --columns | --layout | --size)
		return ;;
	esac
	case "$cmd" in
	run) opts="-o --output --force --no-plot -q --quiet --iterations --set --resume --continue --init-from --threads --no-batch --shard --shard-plan --dry-run --checkpoint-every --help" ;;
	merge) opts="-o --output --no-plot -q --quiet --help" ;;
	report) opts="-o --output --help" ;;
	plot) opts="-o --output --layout --size --help" ;;
	compare) opts="--rtol --atol --columns --summary --help" ;;
	ls) opts="--json --help" ;;
	export) opts="--format -o --output --help" ;;
	check) opts="claim1 theorem2 saxe all --help" ;;
	bench) opts="convnet --plot --help" ;;
	help) opts="run merge plot report compare ls export check keys bench" ;;
	*) opts="--help" ;;
	esac
	if [[ "$cur" == -* ]] || [ "$cmd" = check ] || [ "$cmd" = help ] || [ "$cmd" = bench ]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [ "$cmd" = run ]; then
		mapfile -t COMPREPLY < <(compgen -f -X '!*.json' -- "$cur"; compgen -d -- "$cur")
	elif [ "$cmd" = compare ]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
	fi
}
complete -F _overparam overparam
