# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection version, sent in the User-Agent; a unit test keeps it equal to galaxy.yml."""

from __future__ import annotations

COLLECTION_VERSION = "0.2.0"
