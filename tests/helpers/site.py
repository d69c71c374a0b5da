"""Site inventories of lab manifests and the task counts of a rollout, shared by the rollout tests
and the benchmarks (tests/bench)."""
from __future__ import annotations

from pathlib import Path

import yaml

# The per-host argument validation of the roles: left out of the task counts.
VALIDATION_TASK = "Validating arguments against arg spec"


# What every site of the lab is rolled out with: the FortiManager and script of the lab's fixtures,
# and 1 s polls (the lab runs its clock 60 times faster).
LAB_SITE_VARS = {
    "ztp_fortimanager_sn": "FMG-VM0000000001",
    "ztp_fortimanager_ip": "10.0.0.10",
    "ztp_fortiztp_script": "baseline-prerun",
    "rollout_poll_interval": 1,
    "configs_poll_interval": 1,
    "fortiztp_provision_poll_interval": 1,
}


def write_site_inventory(lab, manifest_id: str, folder: Path) -> Path:
    """A static inventory of a lab manifest: one host per device, and the site in group_vars."""
    manifest = lab.bw("GET", "/manifests/%s" % manifest_id).json()
    folder.mkdir(parents=True, exist_ok=True)
    hosts = {d["hostname"]: {"serial_number": d["serial_number"], "device_type": d["device_type"]}
             for d in manifest["devices"]}
    (folder / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"site": {"hosts": hosts}}}}))
    (folder / "group_vars").mkdir(exist_ok=True)
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict({
        "ztp_site_id": manifest["site_id"],
        "ztp_manifest_name": manifest["name"],
        "ztp_topology_source": manifest["topology_source"],
    }, **LAB_SITE_VARS)))
    return folder / "hosts.yml"


def write_sites_inventory(sites: list, path: Path, host_per: str = "site") -> Path:
    """A static inventory of many sites (as Lab.synthetic_sites answers them), in one file.

    host_per "site": one host per site (named by its site id) with its ztp_devices; "device": one
    host per device, in a group per site (named by its site id) that holds the site's variables.
    """
    children = {}
    for site in sites:
        site_vars = {"ztp_site_id": site["site_id"], "ztp_manifest_name": site["name"],
                     "ztp_topology_source": site["topology_source"]}
        if host_per == "site":
            devices = [dict((key, d[key]) for key in ("hostname", "serial_number", "device_type")) for d in site["devices"]]
            children.setdefault("sites", {"hosts": {}})["hosts"][site["site_id"]] = dict(site_vars, ztp_devices=devices)
        else:
            children[site["site_id"]] = {"vars": site_vars, "hosts": dict(
                (d["hostname"], {"serial_number": d["serial_number"], "device_type": d["device_type"]})
                for d in site["devices"])}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"all": {"vars": LAB_SITE_VARS, "children": children}}, sort_keys=False))
    return path


def task_counts(run) -> tuple[int, int]:
    """(distinct tasks that ran, task results) of a run, leaving out the per-host argument validation."""
    records = [r for r in run.records if VALIDATION_TASK not in r["task"]]
    return len({r["task"] for r in records}), len(records)
