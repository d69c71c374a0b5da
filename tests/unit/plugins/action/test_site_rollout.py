# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""site_rollout: the site plugins in the rollout's order, one task; a failed step stops there and is reported."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ansible_collections.breakwater.ztp.plugins.action import site_apply, site_plan, site_report
from ansible_collections.breakwater.ztp.plugins.action.site_rollout import PLAN, STEP_NAMES, ActionModule


class FakeTask(object):
    def __init__(self, check_mode=False):
        self.args = {}
        self.check_mode = check_mode
        self.async_val = 0
        self.action = "breakwater.ztp.site_rollout"
        self.diff = False

    def copy(self):
        twin = FakeTask(self.check_mode)
        twin.args = dict(self.args)
        return twin


class Scripted(ActionModule):
    """The rollout with its sub-plugins replaced by scripted answers; records what ran, with which arguments."""

    def __init__(self, answers, plan_file, check_mode=False):
        connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir=None))  # what ActionBase.run looks at
        super(Scripted, self).__init__(FakeTask(check_mode), connection, None, None, None)
        self.answers, self.plan_file, self.calls = answers, plan_file, []

    def run(self, tmp=None, task_vars=None):
        return super(Scripted, self).run(tmp, task_vars or {})

    def validate_argument_spec(self, argument_spec=None, mutually_exclusive=None, required_together=None,
                               required_one_of=None, required_if=None, required_by=None):
        return None, {}

    def sub_run(self, plugin, args, task_vars, check_mode=None):
        name = {site_plan: "plan", site_report: "report"}.get(plugin) or "%s%s" % (
            args["step"], args.get("wave") or "")
        self.calls.append((name, args, check_mode))
        if name == "plan":
            return dict({"plan_file": self.plan_file, "waves": [1, 2], "counts": {}, "manifest": {"id": "m1"}},
                        **self.answers.get(name, {}))
        return dict(self.answers.get(name, {"changed": False}))


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "rollout-plan.json"
    path.write_text(json.dumps({"devices": [{"hostname": "sw-01"}]}))
    return str(path)


def test_every_step_runs_in_order_wave_by_wave_then_the_report(plan_file):
    rollout = Scripted({"serials": {"changed": True, "api_calls": 2},
                        "report": {"summary": "Rollout of A: success; online=1", "artifact": {"result": "success"},
                                   "report_html": "r.html", "api_calls": 3}}, plan_file)
    result = rollout.run()
    assert [name for name, _args, _check in rollout.calls] == [
        "plan", "manifest", "serials", "configs1", "fortiztp1", "deploy1", "configs2", "fortiztp2", "deploy2", "report"]
    assert [args.get("wave") for name, args, _check in rollout.calls if name.startswith("deploy")] == [1, 2]
    assert all(args["plan"] == plan_file for name, args, _check in rollout.calls[1:-1])
    assert rollout.calls[-1] == ("report", {"plan": plan_file, "error": None, "held_by": None}, False)
    assert result["changed"] is True and not result.get("failed")
    assert result["summary"] == "Rollout of A: success; online=1" and result["report_html"] == "r.html"
    assert [s["step"] for s in result["steps"]] == ["plan", "manifest", "serials"] + ["configs", "fortiztp", "deploy"] * 2
    assert [s["name"] for s in result["steps"][1:6]] == [STEP_NAMES[s] for s in site_apply.STEPS]
    assert result["api_calls"] == 5


def test_a_failed_step_stops_the_rollout_and_the_report_names_it(plan_file):
    rollout = Scripted({"configs1": {"failed": True, "msg": "2 config(s) failed"},
                        "report": {"failure": "Rollout of A: failed; 2 devices not online", "summary": "failed"}},
                       plan_file)
    result = rollout.run()
    ran = [name for name, _args, _check in rollout.calls]
    assert ran == ["plan", "manifest", "serials", "configs1", "report"]  # no FortiZTP, no deployment, no wave 2
    assert rollout.calls[-1][1]["error"] == "%s: 2 config(s) failed" % STEP_NAMES["configs"]
    assert result["failed"] is True and result["msg"] == "Rollout of A: failed; 2 devices not online"
    assert result["steps"][-1] == dict(result["steps"][-1], step="configs", wave=1, failed=True)


def test_a_failed_plan_is_reported_without_a_plan_and_its_holder_passed_on(plan_file):
    holder = {"run": "20261203T101010-abc", "pid": 42}
    rollout = Scripted({"plan": {"failed": True, "msg": "held by another run", "held_by": holder},
                        "report": {"failure": "%s: held by another run" % PLAN}}, plan_file)
    result = rollout.run()
    assert [name for name, _args, _check in rollout.calls] == ["plan", "report"]
    assert rollout.calls[-1][1] == {"plan": None, "error": "%s: held by another run" % PLAN, "held_by": holder}
    assert result["failed"] is True and result["held_by"] == holder and result["changed"] is False


def test_a_plugin_fault_still_ends_in_the_report(plan_file):
    class Faulty(Scripted):
        def sub_run(self, plugin, args, task_vars, check_mode=None):
            if plugin is site_apply and args["step"] == "manifest":
                raise KeyError("id")
            return super(Faulty, self).sub_run(plugin, args, task_vars, check_mode)

    rollout = Faulty({"report": {"failure": "failed"}}, plan_file)
    result = rollout.run()
    assert rollout.calls[-1][0] == "report"
    assert rollout.calls[-1][1]["error"] == "%s: KeyError: 'id'" % STEP_NAMES["manifest"]
    assert result["failed"] is True


def test_check_mode_draws_no_qr_code_and_the_report_is_still_written(plan_file):
    rollout = Scripted({"plan": {"counts": {"deploy": 1}, "changed": True}}, plan_file, check_mode=True)
    rollout.run()
    assert rollout.calls[-1][0] == "report" and rollout.calls[-1][2] is False  # the report runs as check_mode: false
    assert rollout.draw_codes_ahead({"counts": {"deploy": 1}, "plan_file": plan_file}) is None
