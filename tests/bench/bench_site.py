"""site_rollout against a hand-written floor and Ansible's own floor, 50 ms latency on every API path.

    .venv/bin/python tests/bench/bench_site.py --repeat 3              # the numbers of docs/performance.md
    .venv/bin/python tests/bench/bench_site.py --sizes 10 --repeat 1   # a quick trial

A benchmark, not a test (pytest does not collect tests/bench). One lab (tests/lab, default
settings: speed 60, boot 60 s, configs 5 s, FortiZTP 30 + 30 s of simulated time) serves every
run. Each run gets a fresh synthetic site (lab.reset() then lab.synthetic(n): a ready manifest,
serials registered, every 20th device a FortiGate known to FortiZTP) and a fault that only adds
latency (status None, no count: it never answers for the lab and never runs out) on every
Breakwater, FortiZTP and OAuth path. Per size, R times and alternating:

  floor         tests/bench/floor_rollout.py (plain Python + requests, bulk calls, parallel downloads)
  empty         ansible-playbook of one task (run_once) over the same inventory: what Ansible
                itself costs (start-up, inventory, a play), with the same callbacks
  site_rollout  ansible-playbook playbooks/site_rollout.yml over a static inventory of the site

with every poll interval at 1 s. Then R reruns of site_rollout on the last site of the
largest size, already rolled out: median wall time, API calls, writes. Prints a table with PASS/MISS per
target (issue 22: site_rollout <= 1.15 x (floor + empty); rerun <= 1.5 x empty, <= 20 calls,
0 writes) and where site_rollout spent its time (a per-task timer callback). Always exits 0;
--json writes every measurement to a file.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO, REPO / "tests" / "lab"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from tests.bench.bench_rollout import calls_per_api, timer_callbacks  # noqa: E402
from tests.bench.floor_rollout import rollout as floor_rollout  # noqa: E402
from tests.helpers.lab import start_lab, stop  # noqa: E402
from tests.helpers.ansible import run_playbook  # noqa: E402
from tests.helpers.site import task_counts, write_site_inventory  # noqa: E402

# With --profile DIR: a cProfile of every task, run in Ansible's worker process (one .prof file per
# task; read with python -m pstats). Patched in when the callback loads, before the workers fork.
PROFILER = """
from __future__ import annotations
import cProfile, os, time
from ansible.executor import task_executor
from ansible.plugins.callback import CallbackBase

_run = task_executor.TaskExecutor.run


def run(self):
    profile, started = cProfile.Profile(), time.time()
    try:
        return profile.runcall(_run, self)
    finally:
        name = self._task.get_name().replace("/", "_")[:60]
        profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], "%.3f-%s.prof" % (started, name)))


task_executor.TaskExecutor.run = run


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_profile"
    CALLBACK_NEEDS_ENABLED = True
"""

TARGETS = {"ratio": 1.15, "rerun_ratio": 1.5, "rerun_calls": 20, "rerun_writes": 0, "tasks": 25}

# Ansible's own floor: what any playbook over the site's inventory costs before it does anything.
EMPTY_PLAYBOOK = """- name: One task over the site's inventory
  hosts: all
  gather_facts: false
  tasks:
    - name: Nothing but one task
      ansible.builtin.debug:
        msg: done
      run_once: true
"""


def load():
    return "%.1f/%.1f/%.1f" % os.getloadavg()


def add_latency(lab, latency_ms):
    """A fault that only delays, on every path and method, without a count (never expires)."""
    if latency_ms:
        lab.fault(path="*", method="*", status=None, latency_ms=latency_ms)


def check_latency(lab, latency_ms):
    """Prove the fault delays and answers normally, and still does after more calls than any count."""
    lab.reset()
    add_latency(lab, latency_ms)
    fault = lab._lab("GET", "/faults").json()["faults"][0]
    assert fault["status"] is None and fault["count"] is None and fault["rate"] == 1, fault
    times = []
    for attempt in range(25):
        started = time.monotonic()
        resp = lab.bw("GET", "/templates")
        times.append(time.monotonic() - started)
        assert resp.status_code == 200, resp.text
    started = time.monotonic()
    assert lab.fz("GET", "/devices").status_code == 200
    fz = time.monotonic() - started  # OAuth login + FortiZTP call: two delayed calls
    hits = lab._lab("GET", "/faults").json()["faults"][0]["hits"]
    print("latency fault: status %s, count %s; 25 GET /templates: min %.0f ms, median %.0f ms; "
          "OAuth + FortiZTP GET %.0f ms; hits %d" % (
              fault["status"], fault["count"], min(times) * 1000, statistics.median(times) * 1000, fz * 1000, hits))
    if latency_ms and min(times) < latency_ms / 1000.0:
        print("WARNING: a call took less than the injected latency")


def new_site(lab, size, latency_ms):
    lab.reset()
    manifest_id = lab.synthetic(size)
    manifest = lab.bw("GET", "/manifests/%s" % manifest_id).json()
    add_latency(lab, latency_ms)
    lab.reset_counters()
    return manifest


def run_floor(lab, size, latency_ms, tmp, workers):
    manifest = new_site(lab, size, latency_ms)
    serials = {d["hostname"]: d["serial_number"] for d in manifest["devices"]}
    load_before = load()
    started = time.monotonic()
    report = floor_rollout(lab.url, lab.breakwater_token, lab.api_id, lab.password, manifest["site_id"],
                           manifest["name"], serials, str(tmp), "FMG-VM0000000001", "10.0.0.10",
                           poll_interval=1, workers=workers)
    wall = time.monotonic() - started
    counters = lab.counters()
    return {"wall": wall, "ok": report["result"] == "success", "calls": counters["total"],
            "writes": counters["writes"], "load": load_before, "phases": report["phases"]}


def playbook_env(callbacks, times_file):
    return {"ANSIBLE_CALLBACK_PLUGINS": "%s:%s" % (REPO / "tests" / "helpers" / "callback_plugins", callbacks),
            "ANSIBLE_CALLBACKS_ENABLED": "results_json,bench_timer", "BENCH_TIMES_FILE": str(times_file)}


def run_empty_playbook(lab, inventory, callbacks):
    """The empty playbook over the inventory of a site, as site_rollout is run (same env, same vars)."""
    playbook = callbacks / "empty.yml"
    playbook.write_text(EMPTY_PLAYBOOK)
    started = time.monotonic()
    run = run_playbook(lab, str(playbook), inventory=str(inventory),
                       env=playbook_env(callbacks, callbacks / "empty-times.json"), timeout=600)
    wall = time.monotonic() - started
    if run.rc:
        print(run.output[-3000:])
    return {"wall": wall, "ok": run.rc == 0, "load": load()}


ROLLOUT_TASK = "Roll out the site and write its report"


def run_site_rollout(lab, size, tmp, callbacks, manifest=None, profile=None):
    """site_rollout over tmp/hosts.yml; a first run writes the inventory, a rerun reuses it."""
    inventory = tmp / "hosts.yml"
    if manifest is not None:
        inventory = write_site_inventory(lab, manifest["id"], tmp)
    lab.reset_counters()
    times_file = tmp / ("times-%d.json" % time.time_ns())
    env = playbook_env(callbacks, times_file)
    if profile:
        folder = Path(profile) / ("%d-%s" % (size, "rerun" if manifest is None else time.strftime("%H%M%S")))
        folder.mkdir(parents=True, exist_ok=True)
        env.update(ANSIBLE_CALLBACKS_ENABLED="results_json,bench_timer,bench_profile", BENCH_PROFILE_DIR=str(folder))
    load_before = load()
    started = time.monotonic()
    run = run_playbook(
        lab, "playbooks/site_rollout.yml", inventory=str(inventory),
        extra_vars={"rollout_report_dir": str(tmp / "reports"), "configs_dest": str(tmp / "intended")},
        # The site's runs share a FortiZTP token cache, as a user's runs do (token_cache_dir's default is under
        # ~/.cache): a rerun uses the first run's token instead of logging in again.
        token_cache_dir=str(tmp / "tokens"), env=env, timeout=1800)
    wall = time.monotonic() - started
    counters = lab.counters()
    distinct, results = task_counts(run)
    tasks = json.loads(times_file.read_text()) if times_file.exists() else []
    steps = {}  # inside the one rollout task: seconds per step (site_rollout's result)
    for record in run.results(ROLLOUT_TASK):
        for step in record["result"].get("steps") or []:
            steps[step["step"]] = steps.get(step["step"], 0.0) + step["seconds"]
    if run.rc:
        print(run.output[-3000:])
    return {"wall": wall, "ok": run.rc == 0, "rc": run.rc, "calls": counters["total"], "writes": counters["writes"],
            "per_api": calls_per_api(counters["by_route"]), "by_route": counters["by_route"],
            "distinct_tasks": distinct, "task_results": results, "tasks": tasks, "steps": steps, "load": load_before}


def verdict(ok):
    return "PASS" if ok else "MISS"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender and size (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16, help="the floor's parallel config downloads")
    parser.add_argument("--no-rerun", action="store_true")
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of every site_rollout task under DIR "
                        "(slows the runs: for finding hot spots, not for the table)")
    parser.add_argument("--report", help="only print the table of an earlier --json file")
    args = parser.parse_args(argv)
    if args.report:
        runs = json.loads(Path(args.report).read_text())
        runs["sizes"] = dict((int(size), both) for size, both in runs["sizes"].items())
        report(runs)
        return 0

    runs = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(), "load_start": load(), "latency_ms": args.latency_ms,
            "repeat": args.repeat, "sizes": {}}
    lab, proc = start_lab()
    try:
        settings = lab.settings()
        keys = ("speed", "boot_seconds", "config_seconds", "fortiztp_waiting_seconds", "fortiztp_provisioning_seconds")
        runs["lab"] = {k: settings[k] for k in keys}
        print("%s, %s CPUs, load %s; lab settings %s" % (runs["date"], runs["cpus"], runs["load_start"], runs["lab"]))
        check_latency(lab, args.latency_ms)
        with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
            tmp = Path(tmp)
            callbacks = timer_callbacks(tmp)
            if args.profile:
                # Ansible imports every callback module on its path, and this one patches the workers.
                (callbacks / "bench_profile.py").write_text(PROFILER)
            last = None
            for size in args.sizes:
                floor, empty, site = [], [], []
                for rep in range(args.repeat):
                    folder = tmp / ("floor-%d-%d" % (size, rep))
                    floor.append(run_floor(lab, size, args.latency_ms, folder, args.workers))
                    print("  %5d devices, run %d: floor        %6.1f s  %5d calls  %s  (load %s)" % (
                        size, rep + 1, floor[-1]["wall"], floor[-1]["calls"], "ok" if floor[-1]["ok"] else "FAILED",
                        floor[-1]["load"]), flush=True)
                    folder = tmp / ("site-%d-%d" % (size, rep))
                    manifest = new_site(lab, size, args.latency_ms)
                    site.append(run_site_rollout(lab, size, folder, callbacks, manifest, args.profile))
                    empty.append(run_empty_playbook(lab, folder / "hosts.yml", callbacks))
                    print("  %5d devices, run %d: empty        %6.1f s  %s" % (
                        size, rep + 1, empty[-1]["wall"], "ok" if empty[-1]["ok"] else "FAILED"), flush=True)
                    print("  %5d devices, run %d: site_rollout %6.1f s  %5d calls  %s  %d distinct tasks  (load %s)" % (
                        size, rep + 1, site[-1]["wall"], site[-1]["calls"],
                        "ok" if site[-1]["ok"] else "FAILED rc=%d" % site[-1]["rc"], site[-1]["distinct_tasks"],
                        site[-1]["load"]), flush=True)
                    last = (size, folder)
                runs["sizes"][size] = {"floor": floor, "empty": empty, "site_rollout": site}
            if last and not args.no_rerun:
                size, folder = last
                reruns = []
                for _rep in range(args.repeat):  # as noisy as the first runs: the median of as many
                    rerun = run_site_rollout(lab, size, folder, callbacks, profile=args.profile)
                    reruns.append(rerun)
                    print("  %5d devices, rerun: site_rollout %6.1f s  %5d calls  %d writes  %s" % (
                        size, rerun["wall"], rerun["calls"], rerun["writes"], "ok" if rerun["ok"] else "FAILED"),
                        flush=True)
                median_rerun = sorted(reruns, key=lambda r: r["wall"])[len(reruns) // 2]
                runs["rerun"] = dict(median_rerun, size=size, walls=[r["wall"] for r in reruns])
    finally:
        stop(proc)
    runs["load_end"] = load()
    report(runs)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1, default=str))
    return 0


def report(runs):
    print("\n== %s, %s CPUs, load at start %s, at end %s; %d ms on every API path; medians of %d" % (
        runs["date"], runs["cpus"], runs["load_start"], runs["load_end"], runs["latency_ms"], runs["repeat"]))
    print("%7s | %9s | %9s | %12s | %20s | %14s | %s" % (
        "devices", "floor", "empty", "site_rollout", "/ (floor + empty)", "distinct tasks",
        "API calls floor / site_rollout"))
    medians, empties = {}, {}
    for size, runs_of_size in runs["sizes"].items():
        floor = statistics.median(r["wall"] for r in runs_of_size["floor"])
        empty = statistics.median(r["wall"] for r in runs_of_size["empty"])
        site = statistics.median(r["wall"] for r in runs_of_size["site_rollout"])
        medians[size], empties[size] = site, empty
        ratio = site / (floor + empty)
        tasks = sorted(set(r["distinct_tasks"] for r in runs_of_size["site_rollout"]))
        failed = sum(not r["ok"] for r in runs_of_size["floor"] + runs_of_size["empty"] + runs_of_size["site_rollout"])
        print("%7d | %7.1f s | %7.1f s | %10.1f s | %5.2fx <= %.2fx %s | %14s | %d / %d%s" % (
            size, floor, empty, site, ratio, TARGETS["ratio"], verdict(ratio <= TARGETS["ratio"]),
            "/".join(map(str, tasks)), statistics.median(r["calls"] for r in runs_of_size["floor"]),
            statistics.median(r["calls"] for r in runs_of_size["site_rollout"]),
            "  (%d FAILED runs)" % failed if failed else ""))
    task_sets = [set(r["distinct_tasks"] for r in both["site_rollout"]) for both in runs["sizes"].values()]
    every = set().union(*task_sets) if task_sets else set()
    print("distinct tasks: %s at every size -> equal %s, <= %d %s" % (
        sorted(every), verdict(len(every) == 1), TARGETS["tasks"], verdict(bool(every) and max(every) <= TARGETS["tasks"])))
    rerun = runs.get("rerun")
    if rerun:
        ratio = rerun["wall"] / empties[rerun["size"]]
        print("rerun at %d: median %.1f s = %.2fx the empty playbook (<= %.1fx %s; %.0f%% of the first run), "
              "%d API calls (<= %d %s), %d writes (0 %s)%s" % (
                  rerun["size"], rerun["wall"], ratio, TARGETS["rerun_ratio"], verdict(ratio <= TARGETS["rerun_ratio"]),
                  rerun["wall"] / medians[rerun["size"]] * 100,
                  rerun["calls"], TARGETS["rerun_calls"], verdict(rerun["calls"] <= TARGETS["rerun_calls"]),
                  rerun["writes"], verdict(rerun["writes"] == 0), "" if rerun["ok"] else "  (FAILED)"))
        print("   rerun calls: %s" % ", ".join("%s %d" % (k, v) for k, v in sorted(rerun["by_route"].items(), key=lambda i: -i[1])))
        print("   rerun time per task (seconds; outside tasks = ansible-playbook start, inventory, recap):")
        for seconds, name in sorted(rerun["tasks"], reverse=True)[:8]:
            print("   %7.1f  %s" % (seconds, name))
        print("   %7.1f  (outside tasks)" % (rerun["wall"] - sum(s for s, _task in rerun["tasks"])))
    size = max(runs["sizes"], default=None)
    if size is not None:
        print("where site_rollout spends its time at %d devices (median of %d runs, seconds):" % (size, runs["repeat"]))
        per_task = {}
        for run in runs["sizes"][size]["site_rollout"]:
            for seconds, name in run["tasks"]:
                per_task.setdefault(name, []).append(seconds)
        for name, values in sorted(per_task.items(), key=lambda item: -statistics.median(item[1]))[:10]:
            print("   %7.1f  %s" % (statistics.median(values), name))
        print("   %7.1f  (outside tasks = ansible-playbook start, inventory, recap)" % statistics.median(
            r["wall"] - sum(s for s, _task in r["tasks"]) for r in runs["sizes"][size]["site_rollout"]))
        per_step = {}
        for run in runs["sizes"][size]["site_rollout"]:
            for name, seconds in (run.get("steps") or {}).items():
                per_step.setdefault(name, []).append(seconds)
        if per_step:
            print("   inside the rollout task, per step (median seconds): %s; the rest (the report and the task's own "
                  "start) %.1f" % (", ".join("%s %.1f" % (name, statistics.median(values)) for name, values in per_step.items()),
                                   statistics.median(value for value in (
                                       sum(s for s, name in r["tasks"] if name.endswith(ROLLOUT_TASK))
                                       - sum((r.get("steps") or {}).values()) for r in runs["sizes"][size]["site_rollout"]))))
        phases = {}
        for run in runs["sizes"][size]["floor"]:
            for name, seconds in (run.get("phases") or {}).items():
                phases.setdefault(name, []).append(seconds)
        if phases:
            print("   the floor at %d, for comparison (median seconds): %s" % (size, ", ".join(
                "%s %.1f" % (name, statistics.median(values)) for name, values in phases.items())))
        print("   site_rollout API calls at %d: %s" % (size, ", ".join(
            "%s %d" % (k, v) for k, v in sorted(runs["sizes"][size]["site_rollout"][-1]["by_route"].items(),
                                                key=lambda i: -i[1])[:8])))


if __name__ == "__main__":
    sys.exit(main())
