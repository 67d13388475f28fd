"""Runs one engine command (Swift or ONNX Runtime) as a child process and measures it.

Both engines are driven through the same command line; the child prints one JSON line.
Peak RSS is also measured from outside, the same way for both engines: the child's VmHWM
(/proc/PID/status) sampled every 20 ms while it runs. Not ru_maxrss from wait4: Linux
carries the pre-exec high-water mark over exec, so a child forked from this (large) Python
process would report at least this process's RSS. For the same reason a figure that the
child takes from getrusage itself is inflated by its parent's RSS at fork.
"""
import json
import os
import subprocess
import tempfile
import time

REQUIRED_KEYS = ("batch", "threads", "images_per_s", "forward_ms_per_image", "peak_rss_mb")


class EngineFailed(Exception):
    pass


def run(cmd, label, timeout=900):
    """Run `cmd` (list); return (parsed JSON line, external peak RSS in MB, wall seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        except OSError as e:
            raise EngineFailed(f"{label}: cannot start {cmd[0]}: {e}") from e
        deadline = start + timeout
        hwm_kb = 0
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            hwm_kb = max(hwm_kb, _vm_hwm_kb(proc.pid))
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise EngineFailed(f"{label}: timed out after {timeout} s: {' '.join(cmd)}")
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise EngineFailed(f"{label}: exit code {proc.returncode}: {' '.join(cmd)}\n{tail}")
    lines = [ln for ln in stdout.splitlines() if ln.strip().startswith("{")]
    if not lines:
        raise EngineFailed(f"{label}: printed no JSON line: {' '.join(cmd)}\nstdout: {stdout[-500:]}")
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError as e:
        raise EngineFailed(f"{label}: bad JSON line {lines[-1][:200]!r}: {e}") from e
    missing = [k for k in REQUIRED_KEYS if k not in result]
    if missing:
        raise EngineFailed(f"{label}: JSON line lacks {missing}: {lines[-1][:300]}")
    return result, hwm_kb / 1024, wall


def _vm_hwm_kb(pid):
    """Peak resident set of a running process in kB (0 if it has exited meanwhile)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def engine_args(base, weights, batch, threads, iterations, gradcam=False, inputs=None, logits_out=None):
    cmd = list(base) + ["--weights", weights, "--batch", str(batch), "--threads", str(threads),
                        "--iterations", str(iterations)]
    if inputs:
        cmd += ["--inputs", inputs, "--logits-out", logits_out]
    if gradcam:
        cmd.append("--gradcam")
    return cmd


def probe(base, label):
    """Fail clearly when the command does not offer the benchmark interface."""
    try:
        p = subprocess.run(list(base) + ["--help"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise EngineFailed(f"{label}: cannot run {' '.join(base)} --help: {e}") from e
    text = p.stdout + p.stderr
    if p.returncode != 0 or "--iterations" not in text or "--weights" not in text:
        raise EngineFailed(
            f"{label}: `{' '.join(base)}` does not offer the benchmark interface "
            f"(--weights/--batch/--threads/--iterations); is the engine (issue 3) merged and built?\n"
            + "\n".join(text.strip().splitlines()[-8:]))
