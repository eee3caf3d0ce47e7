#!/usr/bin/env bash
# The Python peers in a virtual environment at bench/peers/.venv (ignored by
# git): nengo 4.1.0 (pure Python) and Brian2 2.9.0 (its newest release) over
# the system's numpy, scipy and Cython (--system-site-packages: Debian
# python3-numpy, python3-scipy, cython3; `apt-get install -y python3-brian`
# brings them all, with Brian2 2.5.1 for /usr/bin/python3).
# Usage: bash bench/peers/setup_venv.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 -m venv --system-site-packages "$here/.venv"
"$here/.venv/bin/pip" install --quiet "nengo==4.1.0" "brian2==2.9.0"
"$here/.venv/bin/python" -c 'import nengo, brian2; print("nengo", nengo.__version__, "and brian2",
brian2.__version__, "in", "'"$here"'/.venv")'
