#!/usr/bin/env bash
# TENSION (PyPI `tension` 0.2, a Keras package for FORCE learning) in its own
# virtual environment at bench/peers/.venv-tension (ignored by git), for
# tension_sines.py. TENSION uses tf.keras as Keras 2 (`import tensorflow.keras`,
# Keras 2 layers and models), which TensorFlow 2.16 and later replace with
# Keras 3, so TensorFlow is pinned to 2.15.1 (the CPU wheel), the last release
# with Keras 2; numpy below 2 as that TensorFlow requires. The environment takes
# 1.4 GB. `tension` is installed without its declared matplotlib and seaborn,
# which only its example notebooks import.
# Usage: bash bench/peers/setup_tension_venv.sh [PYTHON]   (default /usr/bin/python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-/usr/bin/python3}
venv="$here/.venv-tension"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet "numpy==1.26.4" "tensorflow-cpu==2.15.1"
"$venv/bin/pip" install --quiet --no-deps "tension==0.2"
"$venv/bin/python" -c 'import tensorflow as tf, tension, numpy
print("tensorflow", tf.__version__, "numpy", numpy.__version__, "tension from", tension.__file__)'
