"""Two controllers, one FortiZTP API user (issue 13): two concurrent ansible-playbook runs with
separate token caches. FortiCloud keeps one token per API user, so each log-in voids the other
run's token; both runs must still finish, with every device provisioned once."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.ansible import REPO, run_playbook
from tests.helpers.site import write_site_inventory

HERE = REPO / "tests" / "integration" / "fortiztp"
ROUNDS = 5
FORTIGATES = {
    "a": ["FGT60FTK20000010", "FGT60FTK20000011", "FGT60FTK20000012"],
    "b": ["FGT60FTK20000013", "FGT60FTK20000014", "FGT60FTK20000015"],
}


@pytest.mark.slow
def test_two_controllers_with_one_api_user_both_succeed(lab, tmp_path):
    lab.reset_counters()

    def controller(name):
        cache = tmp_path / ("tokens-" + name)
        return run_playbook(lab, HERE / "controller.yml", token_cache_dir=str(cache),
                            extra_vars={"fortigates": FORTIGATES[name], "rounds": ROUNDS})

    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(FORTIGATES, pool.map(controller, FORTIGATES)))

    for name, run in runs.items():
        assert run.rc == 0, "controller %s:\n%s" % (name, run.output[-4000:])
        module_runs = [r for r in run.records if ", round " in r["task"]]
        assert len(module_runs) == 4 * ROUNDS, name
        assert all(r["status"] in ("ok", "changed") for r in module_runs), name
        # Each controller provisioned its own FortiGates once; the reruns changed nothing.
        provisioning = [r for r in module_runs if r["task"].startswith("Provision")]
        assert [r["status"] for r in provisioning] == ["changed"] + ["ok"] * (ROUNDS - 1), name
    counters = lab.counters()
    # The runs did contend: each log-in voided the other's token at least once.
    assert counters["logins"] > 2 and counters["unauthorized"] >= 1, counters
    serials = FORTIGATES["a"] + FORTIGATES["b"]
    devices = lab.fz("GET", "/devices", params={"deviceSN": ",".join(serials)}).json()["data"]
    assert {d["deviceSN"]: d["provisionStatus"] for d in devices} == dict.fromkeys(serials, "provisioned")


@pytest.mark.slow
def test_two_concurrent_rollouts_with_one_api_user_both_succeed(lab, tmp_path):
    """Two AWX jobs in separate containers: two site rollouts at once, same API user, own token caches."""
    inventories = {
        "floor_a": str(REPO / "examples" / "site_floor_a" / "hosts.yml"),
        "synthetic": str(write_site_inventory(lab, lab.synthetic(40), tmp_path / "synthetic")),
    }
    lab.reset_counters()

    def rollout(name):
        return run_playbook(lab, "playbooks/site_rollout.yml", inventory=inventories[name],
                            token_cache_dir=str(tmp_path / ("tokens-" + name)),
                            extra_vars={"ztp_output_dir": str(tmp_path / name)})

    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(inventories, pool.map(rollout, inventories)))
    for name, run in runs.items():
        assert run.rc == 0, "rollout %s:\n%s" % (name, run.output[-4000:])
        [report] = (tmp_path / name / "reports").glob("*/rollout-report.json")
        assert json.loads(report.read_text())["result"] == "success", name
    assert lab.counters()["logins"] >= 2  # each job logged in with its own cache
