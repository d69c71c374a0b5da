# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared body of the Breakwater read-only (_info) and task modules that are not resources."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, run_task


def run_breakwater(module, work):
    """Run ``work(client, params)`` with a Breakwater client; see resource.run_task."""
    run_task(module, BreakwaterClient.from_params, work)


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
