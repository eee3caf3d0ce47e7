#!/usr/bin/env python3
"""Which of the library's allocation call sites the allocation sweep reaches.

Disassembles the sweep program (objdump), finds every call from the
library's code to a wrapped allocator (__wrap_malloc, calloc, realloc,
aligned_alloc, posix_memalign, strdup, fopen, fdopen), maps each to its
source line (addr2line; build with debug information, e.g. RelWithDebInfo),
and marks those the sweep's `-v` run reached. A source line may appear more
than once in the binary (inlined or cloned copies); it counts as reached
when any copy is.

Usage: tests/faults/alloc_sites.py BUILD/tests/nft_alloc_sweep
"""
import re
import subprocess
import sys

ALLOCATORS = {"malloc", "calloc", "realloc", "aligned_alloc", "posix_memalign", "strdup",
              "fopen", "fdopen"}


def main():
    exe = sys.argv[1]
    run = subprocess.run([exe, "-v"], capture_output=True, text=True)
    reached_offsets = {int(m.group(1)) for m in re.finditer(r"site main([+-]\d+)", run.stdout)}
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", exe], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    func, main_addr, calls = None, None, []
    for i, line in enumerate(dis):
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            func = m.group(2)
            if func == "main":
                main_addr = int(m.group(1), 16)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+call\s+[0-9a-f]+ <__wrap_(\w+)>", line)
        if not m or m.group(2) not in ALLOCATORS:
            continue
        nxt = next(int(n.group(1), 16) for n in
                   (re.match(r"^\s+([0-9a-f]+):", d) for d in dis[i + 1:]) if n)
        calls.append((func, int(m.group(1), 16), nxt))
    addrs = [hex(c[1]) for c in calls]
    lines = subprocess.run(["addr2line", "-e", exe] + addrs, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    sites = {}
    for (func, _, ret), where in zip(calls, lines):
        where = re.sub(r" \(discriminator \d+\)", "", where)
        if "/engine/" not in where and "/kernels/" not in where:
            continue  # the sweep's own code
        where = where[where.index("/engine/" if "/engine/" in where else "/kernels/") + 1:]
        sites.setdefault(where, False)
        sites[where] |= (ret - main_addr) in reached_offsets
    missed = sorted(w for w, hit in sites.items() if not hit)
    print(f"{len(sites)} allocation call sites in the library's source, "
          f"{len(sites) - len(missed)} reached by the sweep")
    for w in missed:
        print(f"  not reached: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
