# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small declarative base for resource modules, in the spirit of community.general's consul modules.

A module describes its resource (which options map to which API fields, how to find,
create, update and delete it); the base owns the rest: state handling, comparing only what
the user set, check mode without writes, diff, and turning API errors into clean failures.
"""

from __future__ import annotations

import copy

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import fail_on_missing_requests
# InputError is defined beside the shared input checks; importers of resource.InputError keep working.
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError, check_options


class TaskFailure(Exception):
    """The task fails with ``msg`` and the partial ``result`` (what was done before the failure).

    Raised anywhere below ``run_task``, which alone turns it into ``fail_json``.
    """

    def __init__(self, msg, **result):
        super(TaskFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def as_task_failure(exc, **result):
    """The TaskFailure for an InputError (names the field and value) or an ApiError (the API's
    code, message and resource, never a traceback), carrying the partial ``result``."""
    if isinstance(exc, InputError):
        return TaskFailure(str(exc), field=exc.field, value=exc.value, **result)
    return TaskFailure(str(exc), error=exc.to_dict(), **result)


def differences(current, desired):
    """The desired keys whose values differ from the current object; nested dicts compare key by key."""
    changed = {}
    for key, want in desired.items():
        have = (current or {}).get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            if differences(have, want):
                changed[key] = want
        elif want != have:
            changed[key] = want
    return changed


def merged(current, desired):
    """The object as it will be once ``desired`` is applied (check mode's prediction)."""
    result = copy.deepcopy(current or {})
    for key, want in desired.items():
        if isinstance(want, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], want)
        else:
            result[key] = copy.deepcopy(want)
    return result


def chunks(items, size):
    """Consecutive slices of at most ``size`` items (bulk writes are sent in slices)."""
    size = max(1, int(size))
    return [items[start:start + size] for start in range(0, len(items), size)]


class ApiResource(object):
    """Base of a state-based resource module.

    Subclasses set ``name`` (the key the object is returned under) and ``fields`` (module
    option -> API field), and implement ``find``, ``create``, ``update`` and ``delete``.
    ``find`` returns None only when the object is known to be absent: a failed lookup raises.
    """

    name = "resource"
    fields = {}

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params

    # What subclasses implement
    def find(self):
        raise NotImplementedError

    def create(self, desired):
        raise NotImplementedError

    def update(self, current, changes):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def validate(self):
        """Raise InputError for bad input; called before any call to the API."""

    def desired(self):
        """API fields from the options the user set; options left out are not compared."""
        return dict((field, self.params[option]) for option, field in self.fields.items()
                    if self.params.get(option) is not None)

    def comparable(self, current):
        """The current object as compared with the desired one (hook for equivalent states)."""
        return current

    def after_apply(self, obj):
        """Hook for follow-up work once the object is as desired (waits, for example)."""
        return obj

    def before_delete(self, current):
        """Hook run before a delete, in check mode too: raise to refuse it (the object is in use)."""

    def extra_result(self):
        """Hook: keys added to the result of a successful apply."""
        return {}

    # What the base owns
    def run(self):
        self.validate()
        return self.apply()

    def apply(self):
        state = self.params.get("state") or "present"
        check = self.module.check_mode
        current = self.find()
        if state == "absent":
            if current is None:
                return dict(self.extra_result(), changed=False, **{self.name: {}})
            self.before_delete(current)
            if not check:
                self.delete(current)
            return dict(self.extra_result(), changed=True, diff={"before": current, "after": {}}, **{self.name: {}})

        desired = self.desired()
        if current is None:
            after = desired if check else self.create(desired)
            changed, before = True, {}
        else:
            changes = differences(self.comparable(current), desired)
            before = current
            if not changes:
                after, changed = current, False
            else:
                after = merged(current, changes) if check else self.update(current, changes)
                changed = True
        if not check:
            after = self.after_apply(after) or after
        result = dict(self.extra_result(), changed=changed, **{self.name: after})
        if changed:
            result["diff"] = {"before": before, "after": after}
        return result


def run_task(module, client_factory, work):
    """Build the client, run ``work(client, params)`` and exit with the result it returns.

    The one place where a task ends: InputError and ApiError become a clean failure naming the
    field and value, or the API's code, message and resource (never a traceback); TaskFailure
    fails with its message and partial result. Every result carries ``api_calls`` and
    ``changed`` (false unless ``work`` says otherwise).
    """
    fail_on_missing_requests(module)
    client = None
    try:
        check_options(module.params)  # before the client exists, so before any call to the API
        client = client_factory(module.params)
        result = work(client, module.params)
    except (InputError, ApiError, TaskFailure) as exc:
        failure = exc if isinstance(exc, TaskFailure) else as_task_failure(exc)
        partial = dict(failure.result, api_calls=client.calls if client else 0)
        partial.setdefault("changed", False)
        module.fail_json(msg=failure.msg, **partial)
    result.setdefault("changed", False)
    result["api_calls"] = client.calls
    module.exit_json(**result)


def resource_task(module, resource_cls):
    """The work of a resource module: ``resource_cls(module, client).run()``."""
    return lambda client, params: resource_cls(module, client).run()
