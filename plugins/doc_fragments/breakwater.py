# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Connection options of every Breakwater ZTP module; the argument spec is
    # BREAKWATER_ARGUMENT_SPEC in module_utils/breakwater.py.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Breakwater ZTP service, without the C(/api/v1/ztp) path.
      - If not set, the value of the E(BREAKWATER_URL) environment variable is used.
    type: str
    required: true
  api_token:
    description:
      - "API token, sent as C(Authorization: Bearer <token>); never logged."
      - If not set, the value of the E(BREAKWATER_API_TOKEN) environment variable is used.
    type: str
    required: true
notes:
  - Give the connection options once per play with C(module_defaults) and the
    C(group/breakwater.ztp.breakwater) action group.
attributes:
  action_group:
    description: Use C(group/breakwater.ztp.breakwater) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - breakwater.ztp.breakwater
"""

    # The same connection options for the inventory plugin, read from the inventory file or
    # the environment (plugins document environment variables with env entries).
    INVENTORY = r"""
options:
  url:
    description:
      - Base URL of the Breakwater ZTP service, without the C(/api/v1/ztp) path.
    type: str
    required: true
    env:
      - name: BREAKWATER_URL
  api_token:
    description:
      - "API token, sent as C(Authorization: Bearer <token>); never logged or cached."
      - Prefer the environment variable (or an AWX credential that sets it) to writing the
        token in the inventory file.
    type: str
    required: true
    env:
      - name: BREAKWATER_API_TOKEN
"""
