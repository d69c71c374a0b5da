"""The site plugins run a module's task in-process (InProcessModule): same argument checks and
same result as the module's own process, with the site's client."""
from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure
from ansible_collections.breakwater.ztp.plugins.modules import manifest, serial
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import InProcessModule
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import BREAKWATER_ARGS, run_module
from ansible_collections.breakwater.ztp.tests.unit.plugins.modules.test_manifest import FakeBreakwater

CREATE = {"site_id": "site_1", "name": "Floor B", "status": "ready"}


def in_process(code, args, client, check_mode=False):
    return InProcessModule(code.module_kwargs(), dict(BREAKWATER_ARGS, **args), check_mode).run(
        lambda params: client, code.task)


def test_in_process_gives_the_result_of_the_module_process():
    by_module, by_plugin = FakeBreakwater(), FakeBreakwater()
    expected = run_module(manifest, CREATE, by_module)
    result = in_process(manifest, CREATE, by_plugin)
    assert result == expected
    assert result["changed"] and result["manifest"]["status"] == "ready"
    assert by_plugin.writes == by_module.writes and by_plugin.writes


def test_in_process_check_mode_writes_nothing():
    client = FakeBreakwater()
    result = in_process(manifest, CREATE, client, check_mode=True)
    assert result["changed"] and client.writes == []


def test_the_modules_argument_rules_apply():
    with pytest.raises(TaskFailure) as caught:
        in_process(manifest, {"site_id": "site_1", "status": "sideways"}, FakeBreakwater())
    assert "status" in str(caught.value) and "sideways" in str(caught.value)
    with pytest.raises(TaskFailure) as caught:
        in_process(serial, {"csv_content": "hostname,serial_number\n", "serials": []}, FakeBreakwater())
    assert "mutually exclusive" in str(caught.value)


def test_a_failure_comes_back_as_the_modules_failed_result():
    client = FakeBreakwater()
    result = in_process(manifest, {"name": "Floor B", "status": "ready"}, client)
    assert result == run_module(manifest, {"name": "Floor B", "status": "ready"}, FakeBreakwater())
    assert result["failed"] and result["field"] == "site_id" and client.writes == []
