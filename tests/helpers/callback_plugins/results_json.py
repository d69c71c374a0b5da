# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every task result as one JSON line, so tests can assert on them."""

from __future__ import annotations

DOCUMENTATION = r"""
name: results_json
type: aggregate
short_description: Write task results as JSON lines for the test suite
description:
  - Appends one JSON object per task result to the file named by E(BWZ_RESULTS_FILE).
  - Records the task's action, and for an assert task the number of conditions it checked
    (its C(that) items, times its loop items), so tests can count passed assertions.
requirements:
  - enable in configuration
"""

import json
import os

ASSERT_ACTIONS = ("assert", "ansible.builtin.assert", "ansible.legacy.assert")

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "results_json"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("BWZ_RESULTS_FILE")
        if not path:
            return
        action = result._task.action
        record = {
            "task": result.task_name if hasattr(result, "task_name") else result._task.get_name(),
            "host": result._host.get_name(),
            "status": status,
            "action": action,
            "result": result._result,
        }
        if action in ASSERT_ACTIONS:
            that = result._task.args.get("that")
            per_item = len(that) if isinstance(that, list) else 1
            items = result._result.get("results")
            record["conditions"] = per_item * (len(items) if isinstance(items, list) else 1)
        with open(path, "a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
