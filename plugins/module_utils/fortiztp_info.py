# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of the read-only FortiZTP modules: client, errors, api_calls."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import run_task


def run_info(module, collect):
    """Exit with ``collect(client, params)`` (a dict of results), changed=false and api_calls."""
    run_task(module, FortiZTPClient.from_params, collect)
