"""200 sites x 25 devices: site_rollout in one run against the floor, then in 4 AWX slices (issue 19).

    .venv/bin/python tests/bench/bench_sites.py --json results.json   # the numbers of docs/performance.md
    .venv/bin/python tests/bench/bench_sites.py --sites 20 --devices 5  # a quick trial

A benchmark, not a test (pytest does not collect tests/bench). One lab (default settings, as
bench_site.py) serves three steps, each on a freshly reset lab whose sites come from
POST /_lab/synthetic-sites, with 50 ms on every API path (bench_site.add_latency):

  floor   floor_rollout.rollout_sites: every site by the plain-Python floor, --forks threads (sites) at once
  run     ansible-playbook playbooks/site_rollout.yml --forks 20 over an inventory of the sites (site hosts:
          one host per site with its ztp_devices; --host-per device: one host per device), the same
          ready manifests as the floor's. The memory of the whole run (ansible-playbook and every process
          it starts) is sampled from /proc all along (tests/bench/tree_memory.py): peak RSS and PSS.
  slices  the same inventory over new sites (no manifest yet: each slice creates its sites' manifests),
          split as AWX job slicing does (hosts ordered by name, slice i = hosts[i::4]) and run as 4
          ansible-playbook processes at once, each with --limit its hosts and its own ztp_output_dir
          (as on separate execution nodes), all with one FortiZTP token cache folder (the credential's
          token_cache_dir on shared storage; --slice-token-cache own: one each, and the slices void
          each other's FortiZTP tokens, which FortiCloud keeps one per API user).

After each step the lab's state (GET /_lab/state, not counted) shows whether every device is
online and whether anything was written twice: a second manifest of a site, a device in two
deployments or configured twice (events manifest_created, deployment_started, config_generated).
The slices' reports (<ztp_output_dir>/reports/<site>/rollout-report.json) must cover every site once.
Prints a table with PASS/MISS per target (<= 1.5x the floor, <= 2 GiB, every device online,
0 duplicate writes, reports cover the sites) and where the run spent its time; always exits 0.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO, REPO / "tests" / "lab"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from tests.bench.bench_rollout import calls_per_api, timer_callbacks  # noqa: E402
from tests.bench.bench_site import add_latency, check_latency, load  # noqa: E402
from tests.bench.floor_rollout import rollout_sites  # noqa: E402
from tests.bench.tree_memory import TreeMemory, children_of  # noqa: E402
from tests.helpers.ansible import run_playbook  # noqa: E402
from tests.helpers.lab import start_lab, stop  # noqa: E402
from tests.helpers.site import write_sites_inventory  # noqa: E402

TARGETS = {"ratio": 1.5, "memory": 2 * 1024 ** 3}
GIB = 1024.0 ** 3


def cpu_seconds(children):
    """CPU time (user + system) so far of this process, or of its children that ended (and theirs)."""
    times = os.times()
    return times.children_user + times.children_system if children else times.user + times.system


def new_sites(lab, sites, devices, latency_ms, manifests=True):
    """A reset lab with the synthetic sites, the latency fault, zeroed counters."""
    lab.reset()
    made = lab.synthetic_sites(sites, devices, manifests=manifests)
    add_latency(lab, latency_ms)
    lab.reset_counters()
    return made


def check_sites(lab, sites):
    """What the lab holds of the sites after a rollout: devices online, anything written twice."""
    state = lab.state()
    wanted = set(s["site_id"] for s in sites)
    manifests = [m for m in state["manifests"] if m["site_id"] in wanted]
    ours = set(m["id"] for m in manifests)
    per_site = collections.Counter(m["site_id"] for m in manifests)
    devices = [d for d in state["devices"] if d["manifest_id"] in ours]
    created, deployed, configured = collections.Counter(), collections.Counter(), collections.Counter()
    for event in state["events"]:
        if event["manifest_id"] not in ours:
            continue
        if event["event_type"] == "manifest_created":
            created[event["manifest_id"]] += 1
        elif event["event_type"] == "deployment_started":
            deployed.update(event["details"]["devices"])
        elif event["event_type"] == "config_generated":
            configured[event["device_id"]] += 1
    duplicates = {
        "manifests": sum(n - 1 for n in per_site.values() if n > 1) + sum(n - 1 for n in created.values() if n > 1),
        "deployments": sum(n - 1 for n in deployed.values() if n > 1),
        "configs": sum(n - 1 for n in configured.values() if n > 1)}
    statuses = collections.Counter(d["status"] for d in devices)
    expected = sum(len(s["devices"]) for s in sites)
    return {"sites": len(wanted), "sites_with_manifest": len(per_site), "devices": expected,
            "online": statuses.get("online", 0), "statuses": dict(statuses), "duplicates": duplicates,
            "deployed_once": sum(1 for n in deployed.values() if n == 1),
            "all_online": statuses.get("online", 0) == expected == len(devices)}


def ansible_run(lab, inventory, out, callbacks, forks, limit=None, token_cache=None):
    """ansible-playbook site_rollout over the inventory (optionally --limit), everything written under out
    (the FortiZTP token cache too, unless given another folder)."""
    out.mkdir(parents=True, exist_ok=True)
    times_file = out / "times.json"
    args = ["--forks", str(forks)] + (["--limit", ",".join(limit)] if limit else [])
    started = time.monotonic()
    run = run_playbook(lab, "playbooks/site_rollout.yml", inventory=str(inventory), args=args,
                       extra_vars={"ztp_output_dir": str(out)}, timeout=3600,
                       token_cache_dir=str(token_cache or out / "tokens"),
                       env={"ANSIBLE_CALLBACK_PLUGINS": str(callbacks), "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                            "BENCH_TIMES_FILE": str(out / "task-times.json"), "BENCH_HOST_TIMES_FILE": str(times_file)})
    wall = time.monotonic() - started
    reports = {}
    for path in sorted((out / "reports").glob("*/rollout-report.json")):
        report = json.loads(path.read_text())
        reports[report["site_id"]] = report["result"]
    return {"wall": wall, "rc": run.rc, "reports": reports, "load": load(),
            "times": json.loads(times_file.read_text()) if times_file.exists() else None,
            "tail": run.output[-3000:] if run.rc else ""}


def run_floor(lab, args, tmp):
    sites = new_sites(lab, args.sites, args.devices, args.latency_ms)
    load_before = load()
    cpu = cpu_seconds(children=False)
    with TreeMemory(lambda: {os.getpid()}) as memory:  # the floor's threads run in this process
        started = time.monotonic()
        reports = rollout_sites(lab.url, lab.breakwater_token, lab.api_id, lab.password, sites, str(tmp / "floor"),
                                threads=args.forks, fortimanager_sn="FMG-VM0000000001", fortimanager_ip="10.0.0.10",
                                poll_interval=1, workers=args.workers)
        wall = time.monotonic() - started
    cpu = cpu_seconds(children=False) - cpu  # with the memory sampler's
    counters = lab.counters()
    return {"wall": wall, "cpu": cpu, "load": load_before, "memory": memory.peak, "counters": counters,
            "per_api": calls_per_api(counters["by_route"]),
            "success": sum(r["result"] == "success" for r in reports.values()), "check": check_sites(lab, sites)}


def run_one(lab, lab_proc, args, tmp, callbacks):
    sites = new_sites(lab, args.sites, args.devices, args.latency_ms)
    inventory = write_sites_inventory(sites, tmp / "run" / "hosts.yml", args.host_per)
    load_before, cpu = load(), cpu_seconds(children=True)
    with TreeMemory(lambda: children_of(os.getpid(), leave_out={lab_proc.pid})) as memory:
        run = ansible_run(lab, inventory, tmp / "run", callbacks, args.forks)
    counters = lab.counters()
    run.update(load=load_before, cpu=cpu_seconds(children=True) - cpu, memory=memory.peak, samples=memory.samples,
               pss_samples=memory.pss_samples, counters=counters,
               per_api=calls_per_api(counters["by_route"]), check=check_sites(lab, sites))
    return run


def awx_slices(hosts, count):
    """AWX job slicing: the hosts ordered by name, slice i (0-based) gets hosts[i::count]."""
    ordered = sorted(hosts)
    return [ordered[offset::count] for offset in range(count)]


def run_slices(lab, lab_proc, args, tmp, callbacks):
    sites = new_sites(lab, args.sites, args.devices, args.latency_ms, manifests=False)
    inventory = write_sites_inventory(sites, tmp / "slices" / "hosts.yml", args.host_per)
    if args.host_per == "site":
        hosts = [s["site_id"] for s in sites]
    else:
        hosts = [d["hostname"] for s in sites for d in s["devices"]]
    slices = awx_slices(hosts, args.slices)
    runs = [None] * len(slices)
    shared_cache = tmp / "slices" / "tokens" if args.slice_token_cache == "shared" else None

    def one(index):
        runs[index] = ansible_run(lab, inventory, tmp / "slices" / ("slice-%d" % (index + 1)), callbacks,
                                  args.forks, limit=slices[index], token_cache=shared_cache)

    load_before, cpu = load(), cpu_seconds(children=True)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(slices))]
    with TreeMemory(lambda: children_of(os.getpid(), leave_out={lab_proc.pid})) as memory:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    counters = lab.counters()
    reported = collections.Counter(site for run in runs for site in run["reports"])
    results = collections.Counter(result for run in runs for result in run["reports"].values())
    return {"wall": wall, "cpu": cpu_seconds(children=True) - cpu, "load": load_before, "memory": memory.peak,
            "runs": runs, "counters": counters,
            "per_api": calls_per_api(counters["by_route"]), "check": check_sites(lab, sites),
            "hosts_per_slice": [len(s) for s in slices], "reported_sites": len(reported),
            "reported_twice": sorted(site for site, n in reported.items() if n > 1),
            "not_reported": sorted(set(s["site_id"] for s in sites) - set(reported)), "results": dict(results)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--devices", type=int, default=25, help="devices per site (default 25)")
    parser.add_argument("--forks", type=int, default=20, help="ansible-playbook --forks, and the floor's threads")
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--host-per", choices=("site", "device"), default="site")
    parser.add_argument("--slice-token-cache", choices=("shared", "own"), default="shared",
                        help="the slices' FortiZTP token cache: one folder for all (the credential's token_cache_dir "
                        "on storage the execution nodes share) or one each (they void each other's tokens: "
                        "FortiCloud keeps one per API user)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16, help="the floor's config downloads per site (as "
                        "site_rollout's configs_download_workers)")
    parser.add_argument("--steps", nargs="+", choices=("floor", "run", "slices"), default=["floor", "run", "slices"])
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument("--report", help="only print the table of an earlier --json file")
    args = parser.parse_args(argv)
    if args.report:
        report(json.loads(Path(args.report).read_text()))
        return 0
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "cpus": os.cpu_count(), "load_start": load(), "command": " ".join(sys.argv),
               "options": vars(args)}
    lab, proc = start_lab()
    try:
        check_latency(lab, args.latency_ms)
        with tempfile.TemporaryDirectory(prefix="bench-sites-") as tmp:
            tmp = Path(tmp)
            callbacks = timer_callbacks(tmp)
            for step, run in (("floor", lambda: run_floor(lab, args, tmp)),
                              ("run", lambda: run_one(lab, proc, args, tmp, callbacks)),
                              ("slices", lambda: run_slices(lab, proc, args, tmp, callbacks))):
                if step in args.steps:
                    print("%s: %s ..." % (time.strftime("%H:%M:%S"), step), flush=True)
                    results[step] = run()
                    print("   %.1f s, load before %s" % (results[step]["wall"], results[step]["load"]), flush=True)
    finally:
        stop(proc)
    results["load_end"] = load()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    report(results)
    return 0


def verdict(ok):
    return "PASS" if ok else "MISS"


def memory_text(peak):
    return "peak PSS %.2f GiB (RSS sum %.2f GiB, %d processes)" % (peak["pss"] / GIB, peak["rss"] / GIB, peak["processes"])


def check_text(check):
    return "%d/%d devices online, %d/%d sites with a manifest, duplicate writes %s" % (
        check["online"], check["devices"], check["sites_with_manifest"], check["sites"], check["duplicates"])


def report(results):
    options = results["options"]
    print("\n== %s, %s CPUs, load at start %s, at end %s; %d sites x %d devices, --forks %d, host per %s, "
          "%d ms on every API path, slices' token cache %s" % (
              results["date"], results["cpus"], results["load_start"], results["load_end"], options["sites"],
              options["devices"], options["forks"], options["host_per"], options["latency_ms"],
              options["slice_token_cache"]))
    floor, run, slices = results.get("floor"), results.get("run"), results.get("slices")
    if floor:
        print("floor : %6.1f s (CPU %.0f s)  %d/%d sites success  %d calls (%d writes) %s  %s  (load %s)" % (
            floor["wall"], floor["cpu"], floor["success"], options["sites"], floor["counters"]["total"],
            floor["counters"]["writes"], floor["per_api"], memory_text(floor["memory"]), floor["load"]))
        print("        %s" % check_text(floor["check"]))
    if run:
        print("run   : %6.1f s (CPU %.0f s)  rc=%d  %d calls (%d writes) %s, %d logins, %d rate-limited  (load %s)" % (
            run["wall"], run["cpu"], run["rc"], run["counters"]["total"], run["counters"]["writes"], run["per_api"],
            run["counters"]["logins"], run["counters"]["rate_limited"], run["load"]))
        print("        %s" % check_text(run["check"]))
        print("        %s, %d samples (%s of them PSS)" % (memory_text(run["memory"]), run["samples"], run.get("pss_samples", "all")))
        if floor:
            ratio = run["wall"] / floor["wall"]
            print("run / floor: %.2fx (<= %.1fx %s)" % (ratio, TARGETS["ratio"], verdict(ratio <= TARGETS["ratio"])))
        print("every device online: %s; peak memory <= 2 GiB: %s (PSS; the RSS sum counts the forks' shared pages "
              "once per process: %s)" % (
                  verdict(run["check"]["all_online"]), verdict(run["memory"]["pss"] <= TARGETS["memory"]),
                  verdict(run["memory"]["rss"] <= TARGETS["memory"])))
        times = run.get("times")
        if times:
            print("   plays started at (s): %s" % ", ".join("%s %.1f" % (name, at) for name, at in times["plays"]))
            print("   per task, seconds summed over the sites (/ --forks = its share of the wall time if the forks were busy):")
            for name, (seconds, count) in sorted(times["tasks"].items(), key=lambda item: -item[1][0])[:12]:
                print("   %8.1f s  %4d runs  %5.1f s / forks  %s" % (seconds, count, seconds / options["forks"], name))
        if run["tail"]:
            print(run["tail"])
    if slices:
        print("slices: %6.1f s (CPU %.0f s)  hosts per slice %s, walls %s, rc %s  (load %s)" % (
            slices["wall"], slices["cpu"], slices["hosts_per_slice"], ["%.1f" % r["wall"] for r in slices["runs"]],
            [r["rc"] for r in slices["runs"]], slices["load"]))
        print("        %d calls (%d writes) %s, %d logins, %d rate-limited; %s" % (
            slices["counters"]["total"], slices["counters"]["writes"], slices["per_api"], slices["counters"]["logins"],
            slices["counters"]["rate_limited"], memory_text(slices["memory"])))
        check = slices["check"]
        print("        %s" % check_text(check))
        writes = dict((route, n) for route, n in slices["counters"]["by_route"].items() if not route.startswith("GET"))
        print("        writes by route: %s" % ", ".join("%s %d" % item for item in sorted(writes.items())))
        print("every site rolled out once: %s; 0 duplicate writes: %s; reports cover the %d sites (%d reported, "
              "%d twice, %d missing; results %s): %s" % (
                  verdict(check["all_online"] and check["sites_with_manifest"] == check["sites"]
                          and check["deployed_once"] == check["devices"]),
                  verdict(not any(check["duplicates"].values())), check["sites"], slices["reported_sites"],
                  len(slices["reported_twice"]), len(slices["not_reported"]), slices["results"],
                  verdict(slices["reported_sites"] == check["sites"] and not slices["reported_twice"])))
        for run in slices["runs"]:
            if run["tail"]:
                print(run["tail"])


if __name__ == "__main__":
    sys.exit(main())
