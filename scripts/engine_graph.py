#!/usr/bin/env python3
"""Cross-file call graph of engine/: which file calls an internal (nf__) function
defined in which other file. Prints one line per file with the files it calls,
then the cycles (pairs of files that call each other). Usage:
    python3 scripts/engine_graph.py [ROOT]   (ROOT defaults to the repository)
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
files = sorted((root / "engine").glob("*.c"))
define = re.compile(r"^[A-Za-z_][\w \*]*?\b(nf__\w+)\s*\([^;]*$", re.M)
owner = {}
texts = {}
for f in files:
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", f.read_text(), flags=re.S)
    texts[f.name] = text
    for name in define.findall(text):
        owner.setdefault(name, f.name)
calls = {}
for name, text in texts.items():
    used = set(re.findall(r"\b(nf__\w+)\s*\(", text))
    calls[name] = sorted({owner[u] for u in used if u in owner and owner[u] != name})
width = max(len(n) for n in calls)
for name, targets in calls.items():
    print(f"{name:<{width}} -> {' '.join(targets) if targets else '-'}")
cycles = sorted({tuple(sorted((a, b))) for a, ts in calls.items() for b in ts if a in calls.get(b, [])})
print(f"\n{len(calls)} files; {sum(len(t) for t in calls.values())} cross-file call edges; "
      f"{len(cycles)} two-file cycles" + (": " + ", ".join(f"{a}<->{b}" for a, b in cycles) if cycles else ""))
core = [n for n in calls if calls[n] and all(t in ("network.c",) for t in calls[n])]
