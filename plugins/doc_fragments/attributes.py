# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The attributes every module declares; modules set their own support level.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # For read-only modules: nothing changes, so check mode is full and diff does not apply.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - This module only reads; there is nothing to diff.
"""

    # The site plugins are action plugins: they run on the controller, once for all the play's devices.
    SITE_PLUGIN = r"""
options: {}
attributes:
  platform:
    platforms: controller
    support: full
    description: Runs on the controller, once for every device of the play.
"""
