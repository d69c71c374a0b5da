# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ztplab.control.request, test-only: one call to the lab's control plane (/_lab/...), made by Ansible's worker.

The targets read and reset the lab's counters, settings and faults between their module tasks.
With ansible.builtin.uri each of those calls was a module process (~1 CPU-second: Python start-up
and module_utils compiled from the AnsiballZ zip); here it is one HTTP request from the worker.
It answers like uri (``status``, ``json``), never changes anything Ansible counts
(``changed`` is false) and runs in check mode too, as the uri tasks did with ``check_mode: false``.
"""

from __future__ import annotations

import json

from ansible.module_utils.urls import open_url
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(("path", "method", "body"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        path = self._task.args["path"]
        method = self._task.args.get("method", "GET")
        body = self._task.args.get("body")
        url = "%s/_lab/%s" % (str(task_vars["lab_url"]).rstrip("/"), path.lstrip("/"))
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            answer = open_url(url, data=data, method=method, headers=headers, timeout=60)
        except Exception as error:  # pylint: disable=broad-except  # HTTPError, URLError, timeouts
            result.update(failed=True, msg="%s %s: %s" % (method, url, error))
            return result
        text = answer.read().decode("utf-8")
        result.update(changed=False, status=answer.status, json=json.loads(text) if text.strip() else None)
        return result
