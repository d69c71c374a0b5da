# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule, and the one wording, for a count that has a least value (batch and chunk sizes,
workers, wave sizes, failure tolerances)."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError


def check_least(field, value, least=1):
    """Raise InputError ``<field>: <value> must be at least <least>`` when ``value`` is below ``least``."""
    if value is None or value < least:
        raise InputError(field, value, "must be at least %d" % least)
    return value
