"""Shared fixtures of the Python suite. The suite runs against the installed
package (scripts/test-python.sh installs the wheel into a venv first), never the
sources in python/, and reads the repository only for the header and examples."""
import pathlib

import pytest

import neurofuse as nf

REPO = pathlib.Path(__file__).resolve().parents[2]

BACKENDS = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not nf.backend_available("cuda"), reason="no usable CUDA device"))]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each backend this machine can run ("cuda" skips without a GPU)."""
    return request.param


@pytest.fixture
def repo():
    return REPO
