# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of the read-only FortiZTP modules: client, errors, api_calls."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import ApiError, fail_on_missing_requests
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, fail_api_error


def run_info(module, collect):
    """Exit with ``collect(client, params)`` (a dict of results), changed=false and api_calls."""
    fail_on_missing_requests(module)
    client = FortiZTPClient.from_params(module.params)
    try:
        facts = collect(client, module.params)
    except InputError as exc:
        module.fail_json(msg=str(exc), field=exc.field, value=exc.value, api_calls=client.calls)
    except ApiError as exc:
        fail_api_error(module, exc, api_calls=client.calls)
    module.exit_json(changed=False, api_calls=client.calls, **facts)
