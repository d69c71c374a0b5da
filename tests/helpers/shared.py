"""Work done once per pytest session and shared by the xdist workers.

A module-scoped fixture runs once per worker, and `--dist worksteal` may hand the tests that use
it to both workers: a grouped playbook run would then run twice. ``once_per_session`` runs
``produce`` in the first worker that asks and leaves its JSON result where the other worker reads
it (the xdist recipe, with a stdlib lock): each worker has its own lab, but the recorded runs and
counters are plain data. Without xdist it just runs ``produce``.
"""
from __future__ import annotations

import fcntl
import json
import os


def once_per_session(tmp_path_factory, name, produce):
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return produce()
    folder = tmp_path_factory.getbasetemp().parent  # one per session, shared by its workers
    saved = folder / (name + ".json")
    with open(str(folder / (name + ".lock")), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here until the result is saved
        if saved.exists():
            return json.loads(saved.read_text())
        value = produce()
        saved.write_text(json.dumps(value))
        return value
