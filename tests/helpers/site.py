"""Site inventories of lab manifests and the task counts of a rollout, shared by the rollout tests
and the benchmarks (tests/bench)."""
from __future__ import annotations

from pathlib import Path

import yaml

# The per-host argument validation of the roles: left out of the task counts.
VALIDATION_TASK = "Validating arguments against arg spec"


def write_site_inventory(lab, manifest_id: str, folder: Path) -> Path:
    """A static inventory of a lab manifest: one host per device, and the site in group_vars."""
    manifest = lab.bw("GET", "/manifests/%s" % manifest_id).json()
    folder.mkdir(parents=True, exist_ok=True)
    hosts = {d["hostname"]: {"serial_number": d["serial_number"], "device_type": d["device_type"]}
             for d in manifest["devices"]}
    (folder / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"site": {"hosts": hosts}}}}))
    (folder / "group_vars").mkdir(exist_ok=True)
    (folder / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "ztp_site_id": manifest["site_id"],
        "ztp_manifest_name": manifest["name"],
        "ztp_topology_source": manifest["topology_source"],
        "ztp_fortimanager_sn": "FMG-VM0000000001",
        "ztp_fortimanager_ip": "10.0.0.10",
        "ztp_fortiztp_script": "baseline-prerun",
        "rollout_poll_interval": 1,
        "configs_poll_interval": 1,
        "fortiztp_provision_poll_interval": 1,
    }))
    return folder / "hosts.yml"


def task_counts(run) -> tuple[int, int]:
    """(distinct tasks that ran, task results) of a run, leaving out the per-host argument validation."""
    records = [r for r in run.records if VALIDATION_TASK not in r["task"]]
    return len({r["task"] for r in records}), len(records)
