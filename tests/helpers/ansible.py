"""Run ansible-playbook against the lab from pytest, and read back what every task did.

    run = run_playbook(lab, "tests/integration/targets/manifest/tasks/main.yml")
    assert run.rc == 0, run.output
    assert run.recap["localhost"]["changed"] == 0
    run.results("Create the manifest")[0]["result"]["manifest"]["id"]
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.collection import REPO, collections_path

CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
# ztplab.control.request: the targets' calls to the lab's control plane, without a module process.
TEST_COLLECTIONS = Path(__file__).resolve().parent / "collections"
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
                   r"\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


def lab_vars(lab) -> dict:
    """The connection variables every test playbook gets (same names as the roles use)."""
    return {
        "lab_url": lab.url,
        "breakwater_url": lab.url,
        "breakwater_api_token": lab.breakwater_token,
        "breakwater_readonly_token": lab.readonly_token,
        "fortiztp_base_url": lab.fortiztp_base_url,
        "fortiztp_auth_url": lab.auth_url,
        "fortiztp_api_id": lab.api_id,
        "fortiztp_password": lab.password,
    }


@dataclass
class PlaybookRun:
    rc: int
    output: str
    records: list = field(default_factory=list)

    @property
    def recap(self) -> dict:
        return {m[0]: dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                               map(int, m[1:]))) for m in RECAP.findall(self.output)}

    def results(self, task_name: str) -> list:
        """Every record of the task with that name (one per host and loop-less run)."""
        return [r for r in self.records if r["task"] == task_name]

    def result(self, task_name: str) -> dict:
        found = self.results(task_name)
        assert found, "no task named %r ran; tasks: %s" % (task_name, sorted({r["task"] for r in self.records}))
        return found[-1]["result"]

    @property
    def changed_tasks(self) -> list:
        return [r["task"] for r in self.records if r["status"] == "changed"]

    @property
    def asserts(self) -> list:
        """The records of the playbook's assert tasks (the callback counts their conditions)."""
        return [r for r in self.records if "conditions" in r]

    def check_asserts(self, expected: int, skipped_ok: bool = False) -> None:
        """Fail unless every assert task passed and exactly ``expected`` conditions were checked.

        The number is pinned by the test, so deleting an assert (or one of its conditions) from
        a target fails as surely as making one false. ``skipped_ok`` is for --check runs, whose
        targets skip the asserts about what the server holds.
        """
        bad = [(r["task"], r["status"]) for r in self.asserts
               if r["status"] != "ok" and not (skipped_ok and r["status"] == "skipped")]
        assert not bad, "assert tasks that did not pass: %s\n%s" % (bad, self.output[-4000:])
        passed = sum(r["conditions"] for r in self.asserts if r["status"] == "ok")
        assert passed == expected, "%d assert conditions passed, the test expects %d: %s" % (
            passed, expected, [(r["task"], r["conditions"]) for r in self.asserts if r["status"] == "ok"])


def run_playbook(lab, playbook, extra_vars=None, check=False, diff=False, inventory=None, env=None,
                 args=(), token_cache_dir=None, timeout=900) -> PlaybookRun:
    """Run a playbook (path, absolute or relative to the repo) with the lab's connection vars."""
    playbook = str(playbook if os.path.isabs(str(playbook)) else REPO / playbook)
    variables = dict(lab_vars(lab)) if lab is not None else {}
    variables["ansible_python_interpreter"] = sys.executable
    variables.update(extra_vars or {})
    with tempfile.TemporaryDirectory() as tmp:
        results_file = os.path.join(tmp, "results.jsonl")
        vars_file = os.path.join(tmp, "vars.json")
        with open(vars_file, "w") as handle:
            json.dump(variables, handle)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook,
                   "-e", "@" + vars_file, "-i", inventory or "localhost,", "-c", "local"]
        command += (["--check"] if check else []) + (["--diff"] if diff else []) + list(args)
        environment = dict(os.environ)
        environment.update({
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join((collections_path(), str(TEST_COLLECTIONS))),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "results_json",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "BWZ_RESULTS_FILE": results_file,
            # One token cache per run: a reset lab has forgotten earlier tokens.
            "FORTIZTP_TOKEN_CACHE_DIR": token_cache_dir or os.path.join(tmp, "tokens"),
        })
        if inventory is None:
            # "localhost,": Ansible need not load (and read the docs of) the other inventory plugins, a third of a
            # playbook's start-up here.
            environment["ANSIBLE_INVENTORY_ENABLED"] = "host_list"
        environment.update(env or {})
        proc = subprocess.run(command, cwd=str(REPO), env=environment, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        records = []
        if os.path.exists(results_file):
            with open(results_file) as handle:
                records = [json.loads(line) for line in handle if line.strip()]
    return PlaybookRun(proc.returncode, proc.stdout + proc.stderr, records)


TARGETS = REPO / "tests" / "integration" / "targets"


def run_target(lab, target, **kwargs) -> PlaybookRun:
    """Run tests/integration/targets/<target>/tasks/main.yml with module_defaults set for the lab."""
    env = dict(kwargs.pop("env", None) or {})
    env.setdefault("ANSIBLE_ROLES_PATH", str(TARGETS))
    extra_vars = dict(kwargs.pop("extra_vars", None) or {}, target=target)
    return run_playbook(lab, REPO / "tests" / "integration" / "target.yml", extra_vars=extra_vars, env=env, **kwargs)


# The inventory plugins of the collection, for ansible-inventory runs.
INVENTORY_PLUGINS = "breakwater.ztp.devices,breakwater.ztp.fortiztp_devices"


def inventory_env(lab, tmp_path, **extra):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_INVENTORY_ENABLED": INVENTORY_PLUGINS,
        # A source that fails must fail the command, not leave an empty inventory.
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
        "ANSIBLE_NOCOLOR": "1",
        "BREAKWATER_URL": lab.url,
        "BREAKWATER_API_TOKEN": lab.breakwater_token,
        "FORTIZTP_BASE_URL": lab.fortiztp_base_url,
        "FORTIZTP_AUTH_URL": lab.auth_url,
        "FORTIZTP_API_ID": lab.api_id,
        "FORTIZTP_PASSWORD": lab.password,
        "FORTIZTP_TOKEN_CACHE_DIR": str(tmp_path / "tokens"),
    })
    env.update(extra)
    return env


def ansible_inventory(lab, tmp_path, source, args=(), **env):
    """Run `ansible-inventory -i source --list`; returns (rc, parsed output or None, stderr)."""
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(source), "--list"]
    proc = subprocess.run(command + list(args), env=inventory_env(lab, tmp_path, **env), capture_output=True,
                          text=True, timeout=300, check=False, cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    parsed = json.loads(proc.stdout) if proc.returncode == 0 else None
    return proc.returncode, parsed, proc.stderr
