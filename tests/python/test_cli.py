"""`python -m neurofuse` (and the `neurofuse` script) run the neurofuse command."""
import os
import subprocess
import sys

import neurofuse as nf


def run(*args, exe=(sys.executable, "-m", "neurofuse")):
    return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=120)


def test_info():
    done = run("info")
    assert done.returncode == 0, done.stderr
    assert f"neurofuse {nf.version()}" in done.stdout and "backend cpu" in done.stdout


def test_demo_help_and_usage_errors():
    done = run("demo", "--help")
    assert done.returncode == 0 and "--task" in done.stdout
    bad = run("demo", "--no-such-option")
    assert bad.returncode == 2 and "usage" in bad.stderr
    assert run("no-such-command").returncode == 2


def test_demo_writes_its_files(tmp_path):
    done = run("demo", "--task", "sussillo", "--backend", "cpu", "--train-steps", "100",
               "--test-steps", "50", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for name in ("target.npy", "output.npy", "error.npy", "plot.svg"):
        assert (tmp_path / name).exists()
    assert nf.read_npy(tmp_path / "output.npy").shape == (150, 1, 1)


def test_console_script():
    script = os.path.join(os.path.dirname(sys.executable), "neurofuse")
    if not os.path.exists(script):
        import pytest
        pytest.skip("the package's scripts are not beside this interpreter")
    done = run("info", exe=(script,))
    assert done.returncode == 0 and "neurofuse" in done.stdout
