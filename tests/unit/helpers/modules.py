"""Run a module's main() in-process with given options and a fake API client.

    result = run_module(serial, {"device_id": "d1", "serial_number": "FDO1"}, FakeClient())
    assert result["failed"] and result["field"] == "serial_number"

The real AnsibleModule parses the options (argument spec, defaults, check mode); exit_json and
fail_json are caught and their result returned (``failed: true`` added on failure).
"""
from __future__ import annotations

from unittest import mock

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

BREAKWATER_ARGS = {"url": "https://breakwater.example", "api_token": "token-for-tests"}
FORTIZTP_ARGS = {"access_token": "access-token-for-tests"}


class ModuleExit(Exception):
    def __init__(self, result):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.result = result


def _exit_json(self, **result):
    raise ModuleExit(result)


def _fail_json(self, msg, **result):
    raise ModuleExit(dict(result, msg=msg, failed=True))


class FakeFactory(object):
    """Stands in for BreakwaterClient / FortiZTPClient: from_params returns the fake client."""

    def __init__(self, client):
        self.client = client

    def from_params(self, params):
        return self.client


def run_module(module, args, client, client_class="BreakwaterClient", check_mode=False, warnings=None):
    """``module.main()`` with ``args`` (plus the API's connection options) and ``client``."""
    base = FORTIZTP_ARGS if client_class == "FortiZTPClient" else BREAKWATER_ARGS
    args = dict(base, _ansible_check_mode=check_mode, **args)
    with patch_module_args(args), \
            mock.patch.object(AnsibleModule, "exit_json", _exit_json), \
            mock.patch.object(AnsibleModule, "fail_json", _fail_json), \
            mock.patch.object(AnsibleModule, "warn", lambda self, text: (warnings if warnings is not None else []).append(text)), \
            mock.patch.object(module, client_class, FakeFactory(client)):
        try:
            module.main()
        except ModuleExit as exc:
            return exc.result
    raise AssertionError("the module ended without exit_json or fail_json")
