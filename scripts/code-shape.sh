#!/usr/bin/env bash
# code-shape.sh: the numbers a reader of the code trips on, for a before /
# after comparison of a restructuring: the include graph of include/ and
# src/ (levels, cycles, who includes config.h), the longest functions, the
# largest files.
# usage: scripts/code-shape.sh [TREE]   (default: this checkout; a tree from
#        `git worktree add` or `git archive` of another commit works too)
set -euo pipefail
tree=$(cd "${1:-$(dirname "$0")/..}" && pwd)
python3 - "$tree" <<'PY'
import os, re, sys
tree = sys.argv[1]
files = {}
for d in ("include/overparam", "src"):
    for f in sorted(os.listdir(os.path.join(tree, d))):
        if f.endswith((".c", ".h")):
            files[os.path.join(d, f)] = open(os.path.join(tree, d, f), errors="replace").read()
def node(path):
    return os.path.basename(path)
graph = {}
for path, text in files.items():
    if not path.endswith(".h"):
        continue
    graph[node(path)] = sorted({os.path.basename(m) for m in
        re.findall(r'#include "(?:overparam/)?([a-z_0-9]+\.h)"', text)} - {node(path)})
level = {}
def lvl(h, stack=()):
    if h in stack:
        raise SystemExit("include cycle: " + " -> ".join(stack + (h,)))
    if h not in level:
        level[h] = 1 + max((lvl(d, stack + (h,)) for d in graph.get(h, []) if d in graph), default=0)
    return level[h]
for h in graph:
    lvl(h)
print("## include graph of the headers (level 1 includes no project header)")
print(f"{len(graph)} headers, {max(level.values())} levels, no cycle")
for l in range(1, max(level.values()) + 1):
    print(f"  level {l}: " + " ".join(sorted(h for h in level if level[h] == l)))
users = sorted(node(p) for p, t in files.items()
               if re.search(r'#include "overparam/config.h"', t) and p != "src/config.c")
print(f"config.h (the parser) is included by {len(users)}: " + " ".join(users))
print()
print("## the 12 longest functions (lines from the signature to the closing brace)")
funcs = []
for path, text in files.items():
    if not path.endswith((".c", ".h")):
        continue
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            j = i - 1
            while j > 0 and lines[j - 1].strip() and not lines[j - 1].startswith(("}", "/*", " *", "#")) and not lines[j - 1].endswith((";", "*/")):
                j -= 1
            m = re.search(r'([A-Za-z_][A-Za-z_0-9]*)\s*\(', lines[j])
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if m:
                funcs.append((k - j + 1, m.group(1), path))
            i = k
        i += 1
for n, name, path in sorted(funcs, reverse=True)[:12]:
    print(f"  {n:4d}  {name}  ({path})")
print()
print("## the 8 largest source files (lines)")
sizes = sorted(((t.count("\n"), p) for p, t in files.items()), reverse=True)[:8]
for n, p in sizes:
    print(f"  {n:5d}  {p}")
PY
