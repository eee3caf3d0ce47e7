"""Writes neurofuse/_ffi.py, cffi's out-of-line ABI-mode module, from the public header.

Run by the build (python/CMakeLists.txt); the header stays the one source of truth:
the declarations are the header run through the C preprocessor (NF_API expands to
nothing outside the library's own build, and the two system includes are dropped
because cffi knows <stdint.h> and <stddef.h> types itself), and the integer
constants are every NF_* object-like macro the preprocessor evaluates to an integer
expression (NF_VERSION_STRING and other non-integers are left out: cffi's cdef takes
integer #defines only).

Usage: python gen_ffi.py --cc CC --header include/neurofuse.h --out _ffi.py
"""
import argparse
import ast
import operator
import re
import shlex
import subprocess

from cffi import FFI

_SYSTEM_INCLUDE = re.compile(r"^\s*#\s*include\s*<[^>]+>\s*$", re.M)
_MACRO = re.compile(r"^#define (NF_[A-Z0-9_]+) (.+)$", re.M)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv, ast.LShift: operator.lshift,
        ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitAnd: operator.and_}


def preprocess(cc, text, *flags):
    """The C preprocessor's output for `text` (cc may carry its own arguments)."""
    cmd = [*shlex.split(cc), "-E", "-P", "-x", "c", *flags, "-"]
    return subprocess.run(cmd, input=text, capture_output=True, text=True, check=True).stdout


def integer_value(expr):
    """The value of a C integer constant expression of literals, or None."""
    expr = re.sub(r"(?<=\d)[uUlL]+\b", "", expr.strip()).replace("/", "//")
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return None

    def ev(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise ValueError(ast.dump(node))

    try:
        return ev(tree)
    except (ValueError, ZeroDivisionError):
        return None


def cdef_from_header(cc, header_path):
    with open(header_path, encoding="utf-8") as f:
        text = _SYSTEM_INCLUDE.sub("", f.read())
    declarations = preprocess(cc, text)
    names = [m.group(1) for m in _MACRO.finditer(preprocess(cc, text, "-dM"))]
    # The name is quoted so that only the value is expanded.
    probe = text + "\n" + "\n".join(f'nf__value "{n}" = {n};' for n in names) + "\n"
    defines = []
    for line in preprocess(cc, probe).splitlines():
        m = re.match(r'^nf__value "(NF_[A-Z0-9_]+)" = (.*);$', line)
        if m:
            value = integer_value(m.group(2))
            if value is not None:
                defines.append(f"#define {m.group(1)} {value}")
    if not any(d.startswith("#define NF_VERSION_NUMBER ") for d in defines):
        raise SystemExit(f"gen_ffi: no NF_VERSION_NUMBER found in {header_path}")
    return declarations + "\n" + "\n".join(defines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cc", required=True, help="the C compiler (its preprocessor is used)")
    parser.add_argument("--header", required=True)
    parser.add_argument("--out", required=True, help="the module to write (_ffi.py)")
    args = parser.parse_args()
    ffi = FFI()
    ffi.cdef(cdef_from_header(args.cc, args.header))
    ffi.set_source("neurofuse._ffi", None)  # None: ABI mode, nothing to compile
    ffi.emit_python_code(args.out)


if __name__ == "__main__":
    main()
