"""``python -m neurofuse demo|info|bench [...]``: the neurofuse command.

Runs the command built with the package (bin/neurofuse beside the library), so
every option, output and exit status is the CLI's (`--help` lists them).
"""
import os
import subprocess
import sys


def command_path():
    """The bundled neurofuse command."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "neurofuse")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    exe = command_path()
    if not os.access(exe, os.X_OK):
        print(f"neurofuse: the command is missing from this installation ({exe})",
              file=sys.stderr)
        return 2
    try:
        return subprocess.call(["neurofuse", *argv], executable=exe)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
