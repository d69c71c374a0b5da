# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of the read-only (_info) modules of both APIs."""

from __future__ import annotations

from datetime import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient, breakwater_argument_spec
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient, fortiztp_module_kwargs
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, run_task

# API -> (AnsibleModule keyword arguments for the module's own options, client factory).
INFO_APIS = {
    "breakwater": (lambda options: dict(argument_spec=breakwater_argument_spec(**options)), BreakwaterClient.from_params),
    "fortiztp": (lambda options: fortiztp_module_kwargs(**options), FortiZTPClient.from_params),
}


def run_info_module(api, collect, **options):
    """The whole ``main()`` of an _info module.

    Builds the module from the API's connection options plus ``options`` (check mode
    supported: nothing is written), then exits through run_task with ``collect(client, params)``,
    changed=false and api_calls.
    """
    module_kwargs, client_factory = INFO_APIS[api]
    module = AnsibleModule(supports_check_mode=True, **module_kwargs(options))
    run_task(module, client_factory, collect)


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
