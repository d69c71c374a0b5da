"""Two controllers, one FortiZTP API user (issue 13): two concurrent ansible-playbook runs with
separate token caches. FortiCloud keeps one token per API user, so each log-in voids the other
run's token; both runs must still finish, with every device provisioned once."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.ansible import REPO, run_playbook

HERE = REPO / "tests" / "integration" / "fortiztp"
ROUNDS = 5
FORTIGATES = {
    "a": ["FGT60FTK20000010", "FGT60FTK20000011", "FGT60FTK20000012"],
    "b": ["FGT60FTK20000013", "FGT60FTK20000014", "FGT60FTK20000015"],
}


@pytest.fixture
def env(tmp_path):
    """A private collections path, as in test_fortiztp_modules.py."""
    root = tmp_path / "collections"
    (root / "ansible_collections" / "breakwater").mkdir(parents=True)
    os.symlink(str(REPO), str(root / "ansible_collections" / "breakwater" / "ztp"))
    return {"ANSIBLE_COLLECTIONS_PATH": str(root)}


@pytest.mark.slow
def test_two_controllers_with_one_api_user_both_succeed(lab, env, tmp_path):
    lab.reset_counters()

    def controller(name):
        cache = tmp_path / ("tokens-" + name)
        return run_playbook(lab, HERE / "controller.yml", env=env, token_cache_dir=str(cache),
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
