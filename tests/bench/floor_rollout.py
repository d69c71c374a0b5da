"""The floor of a site rollout: what site_rollout does, as a hand-written script (issue 10).

    .venv/bin/python tests/bench/floor_rollout.py --devices 10          # its own lab, a synthetic site
    .venv/bin/python tests/bench/floor_rollout.py --sites 200 --devices 25 --threads 20   # many sites
    .venv/bin/python tests/bench/floor_rollout.py --url URL --token T --api-id ID --password P \\
        --site-id S --manifest-name N --inventory hosts.yml --out DIR   # any Breakwater + FortiZTP

Plain Python + requests: bulk endpoints, one requests.Session, config downloads in a thread pool
(a session per thread), the same poll loop as the collection (fetch, stop when done, sleep the
interval). Many sites: one site per thread at a time, one FortiZTP login shared by all (FortiZTP
keeps one token per API user). No checks beyond what the job needs: it is the yardstick
tests/bench/bench_site.py and bench_sites.py measure site_rollout against, not a product.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests


def poll(fetch, done, interval, timeout=3600):
    started = time.monotonic()
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() - started > timeout:
            raise RuntimeError("still waiting after %s s" % timeout)
        time.sleep(interval)


def fortiztp_login(url, api_id, password):
    resp = requests.post(url + "/api/v1/oauth/token/", timeout=60, json={
        "username": api_id, "password": password, "client_id": "fortiztp", "grant_type": "password"})
    resp.raise_for_status()
    return resp.json()["access_token"]


def rollout(url, token, api_id, password, site_id, manifest_name, serials, out, fortimanager_sn,
            fortimanager_ip, fortinet_pattern="fortigate_", poll_interval=1, workers=16, fortiztp_token=None):
    """Roll out the manifest ``manifest_name`` of ``site_id``; ``serials`` is {hostname: serial}.

    Writes <out>/configs/<hostname>.cfg and <out>/report.json; returns the report. Logs in to
    FortiZTP unless given ``fortiztp_token``.
    """
    bw_url, fz_url = url + "/api/v1/ztp", url + "/public/api/v2"
    headers = {"Authorization": "Bearer " + token}
    session = requests.Session()

    def bw(method, path, **kw):
        resp = session.request(method, bw_url + path, headers=headers, timeout=120, **kw)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    started = time.monotonic()
    phases, mark = {}, [started]

    def phase(name):  # seconds since the previous phase ended
        now = time.monotonic()
        phases[name], mark[0] = round(now - mark[0], 2), now

    # Read: templates, the manifest (by site + name), its devices.
    templates = {t["device_type"] for t in bw("GET", "/templates")["templates"]}
    found = [m for m in bw("GET", "/manifests", params={"site_id": site_id, "limit": 500})["manifests"]
             if m["name"] == manifest_name]
    if len(found) != 1:
        raise RuntimeError("site %s: %d manifests named %s" % (site_id, len(found), manifest_name))
    manifest = bw("GET", "/manifests/%s" % found[0]["id"])
    mid, devices = manifest["id"], manifest["devices"]
    missing = sorted({d["device_type"] for d in devices} - templates)
    if missing:
        raise RuntimeError("no template for %s" % ", ".join(missing))
    # Serials: one bulk call for those that differ from the inventory.
    changes = [{"device_id": d["id"], "serial_number": serials[d["hostname"]]} for d in devices
               if d["hostname"] in serials and d.get("serial_number") != serials[d["hostname"]]]
    if changes:
        bw("POST", "/devices/bulk-serial", json={"manifest_id": mid, "serials": changes})
    phase("read")
    # Configs: generate, wait for an event per queued device, download in parallel.
    known = {e["id"] for e in bw("GET", "/events", params={"manifest_id": mid})["events"]}
    job = bw("POST", "/manifests/%s/generate-configs" % mid, json={"device_ids": [d["id"] for d in devices]})
    queued = set(job["queued"])

    def finished():
        return {e["device_id"]: e for e in bw("GET", "/events", params={"manifest_id": mid})["events"]
                if e["id"] not in known and e["device_id"] in queued
                and e["event_type"] in ("config_generated", "config_failed")}

    done = poll(finished, lambda d: len(d) >= len(queued), poll_interval)
    failed = [i for i, e in done.items() if e["event_type"] == "config_failed"]
    if failed:
        raise RuntimeError("%d configs failed" % len(failed))
    phase("configs_generate")
    dest = Path(out) / "configs"
    dest.mkdir(parents=True, exist_ok=True)
    local = threading.local()

    def download(device):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        resp = local.session.get("%s/devices/%s/config" % (bw_url, device["id"]), headers=headers, timeout=120)
        resp.raise_for_status()
        (dest / ("%s.cfg" % device["hostname"])).write_text(resp.json()["content"])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(download, devices))
    phase("configs_download")
    # FortiZTP: log in, make sure of the FortiManager target, provision in one PUT, wait.
    fortinet = [d for d in devices if d["device_type"].startswith(fortinet_pattern)]
    if fortinet:
        fz_headers = {"Authorization": "Bearer " + (fortiztp_token or fortiztp_login(url, api_id, password))}

        def fz(method, path, **kw):
            resp = session.request(method, fz_url + path, headers=fz_headers, timeout=120, **kw)
            resp.raise_for_status()
            return resp.json() if resp.content else None

        fmgs = fz("GET", "/setting/fortimanagers")
        fmg = [f for f in fmgs.get("data") or fmgs.get("fortiManagers") or []
               if f["sn"] == fortimanager_sn and f["ip"] == fortimanager_ip]
        oid = fmg[0]["oid"] if fmg else fz("POST", "/setting/fortimanagers",
                                           json={"sn": fortimanager_sn, "ip": fortimanager_ip})["oid"]
        wanted = ",".join(d["serial_number"] for d in fortinet)

        def records():
            answer = fz("GET", "/devices", params={"deviceSN": wanted})
            return {r["deviceSN"]: r for r in answer.get("data") or answer.get("devices") or []}

        todo = [r for r in records().values() if r["provisionStatus"] != "provisioned"]
        if todo:
            fz("PUT", "/devices", json=[{
                "deviceSN": r["deviceSN"], "deviceType": r["deviceType"], "provisionStatus": "provisioned",
                "provisionTarget": "FortiManager", "fortiManagerOid": oid, "useDefaultScript": True}
                for r in todo])
        poll(records, lambda rs: all(r["provisionStatus"] != "provisioned" or r["provisionSubStatus"] is None
                                     for r in rs.values()), poll_interval)
    phase("fortiztp")
    # Deploy and wait until the manifest is no longer deploying.
    bw("PUT", "/manifests/%s" % mid, json={"status": "deploying"})
    final = poll(lambda: bw("GET", "/manifests/%s" % mid), lambda m: m["status"] != "deploying", poll_interval)
    phase("deploy")
    # Report: per device its status and events, counts per status.
    events = bw("GET", "/events", params={"manifest_id": mid})["events"]
    by_device = {}
    for event in events:
        by_device.setdefault(event["device_id"], []).append(
            {"type": event["event_type"], "at": event["timestamp"]})
    counts = {}
    for device in final["devices"]:
        counts[device["status"]] = counts.get(device["status"], 0) + 1
    report = {"manifest": {"id": mid, "status": final["status"]}, "counts": counts,
              "result": "success" if counts.get("online") == len(final["devices"]) else "failure",
              "seconds": round(time.monotonic() - started, 2), "phases": phases,
              "devices": [{"hostname": d["hostname"], "serial_number": d["serial_number"],
                           "device_type": d["device_type"], "status": d["status"],
                           "reason": d.get("status_reason"), "events": by_device.get(d["id"], [])}
                          for d in final["devices"]]}
    (Path(out) / "report.json").write_text(json.dumps(report, indent=1))
    phase("report")
    return report


def rollout_sites(url, token, api_id, password, sites, out, threads=20, **options):
    """Roll out every site of ``sites`` ({"site_id", "name", "devices": [{"hostname", "serial_number"}]}),
    ``threads`` sites at once, each into <out>/<site_id>; returns {site_id: report}."""
    fz_token = fortiztp_login(url, api_id, password)

    def one(site):
        serials = dict((d["hostname"], d["serial_number"]) for d in site["devices"])
        return site["site_id"], rollout(url, token, api_id, password, site["site_id"], site["name"], serials,
                                        str(Path(out) / site["site_id"]), fortiztp_token=fz_token, **options)

    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(one, sites))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--devices", type=int, help="start a lab and roll out a synthetic site of N devices")
    parser.add_argument("--sites", type=int, help="with --devices: that many synthetic sites, --threads at once")
    parser.add_argument("--threads", type=int, default=20, help="sites rolled out at once (with --sites)")
    for name in ("url", "token", "api-id", "password", "site-id", "manifest-name", "inventory"):
        parser.add_argument("--" + name)
    parser.add_argument("--out", default="floor-out")
    parser.add_argument("--fortimanager-sn", default="FMG-VM0000000001")
    parser.add_argument("--fortimanager-ip", default="10.0.0.10")
    parser.add_argument("--poll-interval", type=float, default=1)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    options = dict(fortimanager_sn=args.fortimanager_sn, fortimanager_ip=args.fortimanager_ip,
                   poll_interval=args.poll_interval, workers=args.workers)
    common = dict(options, out=args.out)
    if args.devices:
        import sys
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests.helpers.lab import start_lab, stop
        lab, proc = start_lab()
        try:
            if args.sites:
                started = time.monotonic()
                reports = rollout_sites(lab.url, lab.breakwater_token, lab.api_id, lab.password,
                                        lab.synthetic_sites(args.sites, args.devices), args.out, args.threads, **options)
                results = [r["result"] for r in reports.values()]
                print("%d sites in %.1f s: %d success" % (len(results), time.monotonic() - started,
                                                          results.count("success")))
                return 0 if set(results) == {"success"} else 1
            manifest = lab.bw("GET", "/manifests/%s" % lab.synthetic(args.devices)).json()
            report = rollout(lab.url, lab.breakwater_token, lab.api_id, lab.password, manifest["site_id"],
                             manifest["name"], {d["hostname"]: d["serial_number"] for d in manifest["devices"]},
                             **common)
        finally:
            stop(proc)
    else:
        import yaml
        hosts = {}
        stack = [yaml.safe_load(Path(args.inventory).read_text())["all"]]
        while stack:
            group = stack.pop()
            hosts.update((group.get("hosts") or {}))
            stack.extend((group.get("children") or {}).values())
        report = rollout(args.url, args.token, args.api_id, args.password, args.site_id, args.manifest_name,
                         {h: v["serial_number"] for h, v in hosts.items() if "serial_number" in v}, **common)
    print("%s in %.1f s: %s; phases %s" % (report["result"], report["seconds"], report["counts"], report["phases"]))
    return 0 if report["result"] == "success" else 1


if __name__ == "__main__":
    raise SystemExit(main())
