"""Rollout of synthetic sites of 10 and 1,000 devices: wall time, tasks, API calls (issue 7).

    .venv/bin/python tests/bench/bench_rollout.py [sizes...]     # default: 10 1000

Starts its own lab, rolls out each synthetic site (already serial_registered, manifest ready,
every 20th device a FortiGate) with playbooks/site_rollout.yml from a generated static
inventory, and prints per run: wall time, distinct tasks, task results, the lab's call counters
(total, writes, per API) and the slowest tasks.
"""
from __future__ import annotations

import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO, REPO / "tests" / "lab"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from tests.helpers.lab import start_lab, stop  # noqa: E402
from tests.helpers.ansible import run_playbook  # noqa: E402
from tests.helpers.site import task_counts, write_site_inventory  # noqa: E402

# A callback that records how long each task took (written to a temp folder at run time): to
# BENCH_TIMES_FILE [[seconds, task]] from a task's start to the next's; with BENCH_HOST_TIMES_FILE
# also, for plays whose hosts run side by side (strategy free, many sites), {"tasks": {task: [seconds
# summed over the hosts from a worker's start to its result, runs]}, "plays": [[play, started at]]}.
TIMER = textwrap.dedent('''
    from __future__ import annotations
    import json, os, time
    from ansible.plugins.callback import CallbackBase

    class CallbackModule(CallbackBase):
        CALLBACK_VERSION = 2.0
        CALLBACK_TYPE = "aggregate"
        CALLBACK_NAME = "bench_timer"
        CALLBACK_NEEDS_ENABLED = True

        def __init__(self):
            super().__init__()
            self.rows, self.name, self.started = [], None, None
            self.began, self.running, self.per_host, self.plays = time.time(), {}, {}, []

        def _close(self):
            if self.name:
                self.rows.append([time.time() - self.started, self.name])

        def v2_playbook_on_play_start(self, play):
            self.plays.append([play.get_name(), time.time() - self.began])

        def v2_playbook_on_task_start(self, task, is_conditional):
            self._close()
            self.name, self.started = task.get_name(), time.time()

        def v2_runner_on_start(self, host, task):
            self.running[(host.get_name(), task._uuid)] = time.time()

        def _end(self, result):
            began = self.running.pop((result._host.get_name(), result._task._uuid), None)
            if began is not None:
                row = self.per_host.setdefault(result._task.get_name(), [0.0, 0])
                row[0] += time.time() - began
                row[1] += 1

        v2_runner_on_ok = v2_runner_on_skipped = v2_runner_on_unreachable = _end

        def v2_runner_on_failed(self, result, ignore_errors=False):
            self._end(result)

        def v2_playbook_on_stats(self, stats):
            self._close()
            with open(os.environ["BENCH_TIMES_FILE"], "w") as handle:
                json.dump(self.rows, handle)
            if os.environ.get("BENCH_HOST_TIMES_FILE"):
                with open(os.environ["BENCH_HOST_TIMES_FILE"], "w") as handle:
                    json.dump({"tasks": self.per_host, "plays": self.plays}, handle)
''')


def timer_callbacks(folder: Path) -> Path:
    """A new folder <folder>/callbacks holding the TIMER callback (bench_timer), for ANSIBLE_CALLBACK_PLUGINS."""
    callbacks = folder / "callbacks"
    callbacks.mkdir()
    (callbacks / "bench_timer.py").write_text(TIMER)
    return callbacks


def calls_per_api(by_route: dict) -> dict:
    apis = {"breakwater": 0, "fortiztp": 0, "oauth": 0}
    for route, count in by_route.items():
        path = route.split(" ", 1)[1]
        if "/api/v1/ztp" in path:
            apis["breakwater"] += count
        elif "/public/api" in path:
            apis["fortiztp"] += count
        elif "/oauth/" in path:
            apis["oauth"] += count
    return apis


def main(sizes) -> int:
    import json

    lab, proc = start_lab()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            callbacks = timer_callbacks(tmp)
            for size in sizes:
                lab.reset()
                manifest_id = lab.synthetic(size)
                inventory = write_site_inventory(lab, manifest_id, tmp / str(size))
                lab.reset_counters()
                times_file = tmp / ("times-%d.json" % size)
                started = time.monotonic()
                run = run_playbook(
                    lab, "playbooks/site_rollout.yml", inventory=str(inventory),
                    extra_vars={"rollout_report_dir": str(tmp / str(size) / "reports"),
                                "configs_dest": str(tmp / str(size) / "intended")},
                    env={"ANSIBLE_CALLBACK_PLUGINS": "%s:%s" % (REPO / "tests" / "helpers" / "callback_plugins", callbacks),
                         "ANSIBLE_CALLBACKS_ENABLED": "results_json,bench_timer",
                         "BENCH_TIMES_FILE": str(times_file)})
                wall = time.monotonic() - started
                counters = lab.counters()
                distinct, results = task_counts(run)
                print("== %d devices: rc=%d, %.1f s, %d distinct tasks, %d task results (without the per-host "
                      "argument validation)" % (size, run.rc, wall, distinct, results))
                print("   API calls: total %d, writes %d, per API %s, logins %d" % (
                    counters["total"], counters["writes"], calls_per_api(counters["by_route"]), counters["logins"]))
                for route, count in sorted(counters["by_route"].items(), key=lambda item: -item[1])[:8]:
                    print("     %5d  %s" % (count, route))
                if times_file.exists():
                    print("   slowest tasks:")
                    for seconds, name in sorted(json.loads(times_file.read_text()), reverse=True)[:8]:
                        print("     %6.1f s  %s" % (seconds, name))
                if run.rc:
                    print(run.output[-3000:])
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main([int(arg) for arg in sys.argv[1:]] or [10, 1000]))
