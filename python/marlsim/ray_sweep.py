"""The Ray backend of `marl-sim sweep` (docs/sweeps.md "On a Ray cluster").

`marl-sim sweep SPEC --backend ray` writes the runs it still needs into `<sweep>/ray-plan.json` and
starts `python -m marlsim.ray_sweep <plan>`. Each run becomes one Ray task that asks for the run's
threads as CPUs, runs the `marl-sim` binary on its worker in the sweep's working folder, and ships the
run folder back as a tar archive (or, with `--shared`, writes it in place on a path every machine
sees). Each finished task's exit status goes to `<sweep>/ray-results.jsonl`, which `marl-sim` reads
into sweep.json. Exit status: 0 when every task ran (whatever the runs' own statuses), 3 when Ray
is not installed, 130 when interrupted.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sys
import tarfile


def run_on_worker(binary, cwd, arguments, resume, shipped, shared_folder):
    """One run on a Ray worker; returns its exit status, host, output and (unless shared) its folder as tar bytes.

    Only the standard library is used here: the function travels to the workers by value.
    """
    import io as _io
    import os as _os
    import shutil as _shutil
    import signal as _signal
    import socket as _socket
    import subprocess as _subprocess
    import tarfile as _tarfile
    import tempfile as _tempfile

    host = _socket.gethostname()
    try:  # the Ray node too: a machine may run several
        import ray as _ray
        host += " node " + _ray.get_runtime_context().get_node_id()[:8]
    except Exception:
        pass
    if not _os.path.exists(binary):
        binary = _shutil.which("marl-sim") or binary
    if not _os.path.isfile(binary):
        return {"exit_status": 127, "host": host, "log": f"error: no marl-sim binary at {binary} on {host} (nor marl-sim on PATH)\n".encode(), "folder": None}
    if not _os.path.isdir(cwd):
        return {"exit_status": 127, "host": host, "log": f"error: the sweep's working folder {cwd} is not on {host}; its worlds are read from there\n".encode(), "folder": None}
    work = None
    if shared_folder:
        folder = shared_folder
    else:
        work = _tempfile.mkdtemp(prefix="marlsim-ray-")
        folder = _os.path.join(work, "run")
        if shipped:
            with _tarfile.open(fileobj=_io.BytesIO(shipped)) as archive:
                _extract(archive, folder)
    argv = [binary, "resume", folder] if resume else [binary, *arguments, "--out", folder]
    # The run stops (with a checkpoint) if this worker process dies, as a local run does when its sweep dies.
    env = dict(_os.environ, MARLSIM_SWEEP_PARENT=str(_os.getpid()))
    process = _subprocess.Popen(argv, cwd=cwd, env=env, stdout=_subprocess.PIPE, stderr=_subprocess.STDOUT)
    try:
        log, _ = process.communicate()
    except BaseException:
        # Cancelled: the run stops at its next step with a checkpoint, as on Ctrl-C.
        process.send_signal(_signal.SIGINT)
        process.wait()
        raise
    payload = None
    try:
        if not shared_folder and _os.path.isdir(folder):
            buffer = _io.BytesIO()
            with _tarfile.open(fileobj=buffer, mode="w") as archive:
                archive.add(folder, arcname=".")
            payload = buffer.getvalue()
    finally:
        if work:
            _shutil.rmtree(work, ignore_errors=True)
    return {"exit_status": process.returncode if process.returncode >= 0 else 128 - process.returncode,
            "host": host, "log": log, "folder": payload}


def _extract(archive, folder):
    """Unpacks a run folder's archive, refusing members that would land outside `folder`."""
    import os as _os
    _os.makedirs(folder, exist_ok=True)
    root = _os.path.realpath(folder)
    for member in archive.getmembers():
        target = _os.path.realpath(_os.path.join(folder, member.name))
        if not (target == root or target.startswith(root + _os.sep)) or member.issym() or member.islnk():
            raise ValueError(f"refusing archive member {member.name!r}")
    archive.extractall(folder)


def _archive_of(folder):
    if not os.path.isdir(folder):
        return None
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(folder, arcname=".")
    return buffer.getvalue()


def _stop_when_sweep_ends():
    """Stops the tasks, as Ctrl-C does, if the marl-sim sweep that started this driver dies."""
    import _thread
    import threading
    import time

    parent = os.environ.get("MARLSIM_SWEEP_PARENT")
    if not parent or not parent.isdigit():
        return

    def watch():
        while os.getppid() == int(parent):
            time.sleep(0.3)
        _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m marlsim.ray_sweep <ray-plan.json>  (written by marl-sim sweep --backend ray)", file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        plan = json.load(f)
    try:
        import ray
    except ImportError as error:
        print(f"error: Ray is not installed in {sys.executable} ({error}); install it with: {sys.executable} -m pip install ray",
              file=sys.stderr)
        return 3
    try:
        from ray import cloudpickle
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    except (ImportError, AttributeError, ValueError):
        pass

    ray.init(address=plan["address"], log_to_driver=False, include_dashboard=False, configure_logging=False)
    task = ray.remote(run_on_worker)
    shared = plan["shared"]
    pending = {}
    for run in plan["tasks"]:
        shipped = None if shared or not run["resume"] else _archive_of(run["folder"])
        if not run["resume"] and os.path.isdir(run["folder"]):
            shutil.rmtree(run["folder"])
        ref = task.options(num_cpus=run["threads"]).remote(plan["binary"], plan["cwd"], run["arguments"], run["resume"], shipped,
                                                            run["folder"] if shared else None)
        pending[ref] = run
        print(f"[{len(pending)}/{len(plan['tasks'])}] submitted {run['name']}{' (resuming)' if run['resume'] else ''}", flush=True)

    interrupted = False

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _stop_when_sweep_ends()
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                run = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as error:  # a worker lost, a task failed outside the run
                    result = {"exit_status": 255, "host": "?", "log": f"error: the Ray task failed: {error}\n".encode(), "folder": None}
                with open(run["log"], "ab") as log:
                    log.write(result["log"])
                if result["folder"] is not None:
                    if os.path.isdir(run["folder"]):
                        shutil.rmtree(run["folder"])
                    with tarfile.open(fileobj=io.BytesIO(result["folder"])) as archive:
                        _extract(archive, run["folder"])
                with open(plan["results"], "a") as results:
                    results.write(json.dumps({"name": run["name"], "exit_status": result["exit_status"], "host": result["host"]}) + "\n")
                state = "finished" if result["exit_status"] == 0 else f"exit {result['exit_status']}"
                print(f"  {state}: {run['name']} on {result['host']}", flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print(f"stopping {len(pending)} Ray task(s)", flush=True)
        for ref in pending:
            ray.cancel(ref)
    finally:
        ray.shutdown()
    return 130 if interrupted else 0


if __name__ == "__main__":
    # Run as the package's module, not as __main__, so that the task function is named
    # marlsim.ray_sweep.run_on_worker wherever it is pickled.
    from marlsim.ray_sweep import main as module_main
    sys.exit(module_main())
