"""Runs a model-making script inside its own cached venv with pinned PyPI packages.

A script calls `cachevenv.enter(name, pins, label)` before importing anything it needs from
PyPI: outside the venv it (re)creates ${XDG_CACHE_HOME:-~/.cache}/<name> when it is missing or
was made for other pins, then re-executes the script there; inside it returns at once. BLAS and
OpenMP are limited to one thread (these scripts share the machine; their results must not
depend on thread counts). The tests never need any of this.
"""
import os
import subprocess
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")

CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


def enter(name, pins, label):
    venv = os.path.join(CACHE, name)
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, "ctscreen-pins.txt")
    wanted = "\n".join(pins) + "\n"
    have = open(marker).read() if os.path.exists(marker) else None
    if not os.path.exists(python) or have != wanted:
        print(f"{label}: setting up {venv}", file=sys.stderr)
        if not os.path.exists(python):
            subprocess.check_call([sys.executable, "-m", "venv", venv])
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", *pins], env=env)
        with open(marker, "w") as f:
            f.write(wanted)
    script = os.path.abspath(sys.argv[0])
    os.execv(python, [python, script, *sys.argv[1:]])
