#!/usr/bin/env bash
# The Python peers that Debian does not package, in a virtual environment at
# bench/peers/.venv (ignored by git): nengo 4.1.0 (pure Python) over the system's
# numpy (--system-site-packages, Debian python3-numpy). Brian2 comes from Debian
# (apt-get install -y python3-brian) and runs under /usr/bin/python3.
# Usage: bash bench/peers/setup_venv.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 -m venv --system-site-packages "$here/.venv"
"$here/.venv/bin/pip" install --quiet "nengo==4.1.0"
"$here/.venv/bin/python" -c 'import nengo; print("nengo", nengo.__version__, "in", "'"$here"'/.venv")'
