"""FortiZTP modules against the lab (issue 5).

Every target runs in full once; the write modules' core tasks (tagged `variant`: check mode,
create or provision, idempotent rerun, diff, delete or unprovision) run again for each of the
lab's response variants (JSON bodies, 204, the `devices` list key).
"""
from __future__ import annotations

import math

import pytest

from tests.helpers.ansible import REPO, run_playbook, run_target

# Every test here runs ansible-playbook against the lab: tens of seconds each.
pytestmark = pytest.mark.slow

HERE = REPO / "tests" / "integration" / "fortiztp"
# Two runs flip every switch of the lab away from its default (empty 200 answers, `data` key),
# which the full runs of the targets use.
VARIANTS = {
    "json_bodies_devices_key": {"fortiztp_put_body": "json", "fortiztp_list_key": "devices"},
    "no_content_204": {"fortiztp_put_status": 204},
}
WRITE_TARGETS = ("fortiztp_device", "fortiztp_script", "fortiztp_fortimanager")


# Assert conditions each target checks (the callback counts them); the variant runs check the
# conditions of the asserts tagged `variant` in the three write targets. Adding or removing an
# assert in a target's YAML means changing its number here.
ASSERTS = {"fortiztp_device": 60, "fortiztp_script": 32, "fortiztp_fortimanager": 31, "fortiztp_info": 31,
           "fortiztp_token": 24, "variant": 79}


def assert_clean(run, counters):
    assert run.rc == 0, run.output[-4000:]
    assert run.recap["localhost"]["failed"] == 0
    assert counters["logins"] == 1, counters
    assert counters["unauthorized"] == 0, counters


@pytest.mark.parametrize("target", WRITE_TARGETS + ("fortiztp_info", "fortiztp_token"))
def test_each_fortiztp_target_passes_its_asserts_with_the_expected_calls(lab, target):
    run = run_target(lab, target)
    run.check_asserts(ASSERTS[target])
    counters = lab.counters()
    if target == "fortiztp_token":  # logs in again on purpose after the lab revoked every token
        assert run.rc == 0, run.output[-4000:]
        assert counters["logins"] == 2 and counters["revokes"] == 1, counters
        return
    if target == "fortiztp_info":  # one login with bad credentials on purpose
        assert run.rc == 0, run.output[-4000:]
        assert counters["logins"] == 2 and counters["writes"] == 0, counters
        return
    assert_clean(run, counters)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_write_targets_per_variant(lab, variant):
    """The core tasks (tagged `variant`) of the device, script and FortiManager targets."""
    lab.settings(**VARIANTS[variant])
    run = run_playbook(lab, HERE / "variant.yml", args=["--tags", "variant"],
                       env={"ANSIBLE_ROLES_PATH": str(REPO / "tests" / "integration" / "targets")})
    assert run.rc == 0, run.output[-4000:]
    run.check_asserts(ASSERTS["variant"])
    counters = lab.counters()  # zeroed by each target at its start: the last target's share
    assert counters["logins"] == 0 and counters["unauthorized"] == 0, counters
    # Each target wrote, and its rerun did not.
    for task in ("Provision three FortiGates", "Create the script", "Add the HA pair"):
        assert run.result(task)["changed"], task
    for task in ("Provision them again", "Create it again", "Add it again"):
        assert not run.result(task)["changed"], task
    assert len(run.changed_tasks) >= 12, run.changed_tasks


@pytest.mark.slow
def test_forks_share_one_login(lab, tmp_path):
    """5 tasks x 5 hosts with forks=5 (25 module processes, 5 at a time): one login, no 401.

    A process per host and task is what this proves, so it stays: the first task's five processes
    race for the login on an empty cache (one logs in, four find its token), and the other four
    modules reuse that token in five processes each. A second round of the same tasks (50
    processes) proved nothing more and cost ~24 CPU-seconds.
    """
    fortigates = ["FGT60FTK200000%02d" % n for n in range(10, 15)]
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  children:\n    fortiztp_forks:\n      hosts:\n" + "".join(
        "        branch%d:\n          fortigate: %s\n          ansible_connection: local\n" % (i, sn)
        for i, sn in enumerate(fortigates)))
    run = run_playbook(lab, HERE / "forks.yml", inventory=str(inventory), args=["--forks", "5"])
    assert run.rc == 0, run.output[-4000:]
    module_runs = [r for r in run.records if r["action"].startswith("breakwater.ztp.")]
    assert len(module_runs) == 5 * 5
    assert {r["host"] for r in module_runs} == {"branch%d" % i for i in range(5)}
    assert all(r["status"] in ("ok", "changed") for r in module_runs)
    counters = lab.counters()
    assert counters["logins"] == 1, counters
    assert counters["unauthorized"] == 0, counters
    provisioned = lab.fz("GET", "/devices", params={"deviceSN": ",".join(fortigates)}).json()["data"]
    assert {d["provisionStatus"] for d in provisioned} == {"provisioned"}


@pytest.mark.slow
def test_provision_1000_devices_in_few_calls(lab):
    # The synthetic site adds every 20th of its devices to FortiZTP as a FortiGate.
    lab.synthetic(20000)
    serials = sorted(d["deviceSN"] for d in lab.fz("GET", "/devices").json()["data"]
                     if d["deviceSN"].startswith("FGT60FS"))
    assert len(serials) == 1000
    chunk_size = 100
    lab.reset_counters()
    run = run_playbook(lab, HERE / "bulk.yml", extra_vars={"serials": serials, "chunk_size": chunk_size})
    assert run.rc == 0, run.output[-4000:]
    result = run.result("Provision all devices")
    counters = lab.counters()
    budget = math.ceil(1000 / chunk_size) + 3
    assert counters["total"] <= budget, counters  # login + listing + 10 bulk PUTs + read-back
    assert result["api_calls"] == counters["total"]
    assert counters["by_route"]["PUT /public/api/v2/devices"] == 10
    assert len(result["changed_devices"]) == 1000
    assert {d["provisionStatus"] for d in result["devices"]} == {"provisioned"}
