# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of the Breakwater read-only (_info) and task modules that are not resources."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import ApiError, fail_on_missing_requests
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, fail_api_error


def run_breakwater(module, work):
    """Build the client, run ``work(client, params)`` and exit with what it returns.

    InputError and ApiError end the task with the field and value, or the API's code, message
    and resource; never a traceback. ``work`` returns the result dict (``changed`` defaults to
    false) and may call ``module.fail_json`` itself.
    """
    fail_on_missing_requests(module)
    client = BreakwaterClient.from_params(module.params)
    try:
        result = work(client, module.params)
    except InputError as exc:
        module.fail_json(msg=str(exc), field=exc.field, value=exc.value, api_calls=client.calls)
    except ApiError as exc:
        fail_api_error(module, exc, api_calls=client.calls)
    result.setdefault("changed", False)
    result["api_calls"] = client.calls
    module.exit_json(**result)


def check_iso_date(field, value):
    """Raise InputError unless ``value`` is an ISO 8601 date or date-time (``Z`` accepted)."""
    if value is None:
        return
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise InputError(field, value, "is not an ISO 8601 date, for example 2024-01-21 or 2024-01-21T11:00:00Z")
