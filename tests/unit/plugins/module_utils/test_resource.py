"""The declarative resource base: apply over state x check mode x exists x changed, its hooks, run_task."""
from __future__ import annotations

import itertools

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import (
    ApiResource, InputError, TaskFailure, chunks, run_task,
)


class FakeModule(object):
    """What the base and run_task use of an AnsibleModule; exit_json/fail_json record and stop."""

    class Exit(Exception):
        pass

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.exited = self.failed = None

    def exit_json(self, **result):
        self.exited = result
        raise FakeModule.Exit()

    def fail_json(self, **result):
        self.failed = result
        raise FakeModule.Exit()


class Thing(ApiResource):
    """A resource over a dict store, recording every write."""
    name = "thing"
    fields = dict(name="name", size="size")

    def __init__(self, module, client, store):
        super(Thing, self).__init__(module, client)
        self.store = store
        self.writes = []
        self.applied = []

    def find(self):
        return dict(self.store["thing"]) if self.store.get("thing") else None

    def create(self, desired):
        self.writes.append(("create", desired))
        self.store["thing"] = dict(desired, id="t1")
        return dict(self.store["thing"])

    def update(self, current, changes):
        self.writes.append(("update", changes))
        self.store["thing"].update(changes)
        return dict(self.store["thing"])

    def delete(self, current):
        self.writes.append(("delete", current["id"]))
        self.store.pop("thing")

    def after_apply(self, obj):
        self.applied.append(obj)
        return obj


CURRENT = {"id": "t1", "name": "a", "size": 1}


@pytest.mark.parametrize("state, check, exists, same", list(itertools.product(
    ("present", "absent"), (False, True), (False, True), (False, True))))
def test_apply_by_state_existence_and_check_mode(state, check, exists, same):
    store = {"thing": dict(CURRENT)} if exists else {}
    params = {"state": state, "name": "a", "size": 1 if same else 2}
    thing = Thing(FakeModule(params, check_mode=check), None, store)
    result = thing.apply()

    if state == "absent":
        assert result["changed"] is exists
        assert result["thing"] == {}
        assert ("diff" in result) is exists
        assert thing.writes == ([("delete", "t1")] if exists and not check else [])
        assert bool(store) is (exists and check)  # check mode leaves it in place
        return

    expect_change = not exists or not same
    assert result["changed"] is expect_change
    assert result["thing"]["size"] == params["size"]
    assert ("diff" in result) is expect_change
    if expect_change:
        assert result["diff"]["before"] == (CURRENT if exists else {})
        assert result["diff"]["after"] == result["thing"]
    if check:
        assert thing.writes == [] and thing.applied == []  # check mode writes nothing, waits for nothing
        assert store == ({"thing": CURRENT} if exists else {})
    else:
        assert thing.writes == ([] if not expect_change else
                                [("update", {"size": 2})] if exists else [("create", {"name": "a", "size": 2 if not same else 1})])
        assert thing.applied == [result["thing"]]


def test_options_left_out_are_not_compared():
    thing = Thing(FakeModule({"state": "present", "name": "a", "size": None}), None, {"thing": dict(CURRENT)})
    assert thing.apply() == {"changed": False, "thing": CURRENT}


class Guarded(Thing):
    def before_delete(self, current):
        raise TaskFailure("in use", users=["x"])

    def extra_result(self):
        return {"extra": len(self.writes)}


@pytest.mark.parametrize("check", [False, True])
def test_before_delete_refuses_in_check_mode_too(check):
    store = {"thing": dict(CURRENT)}
    thing = Guarded(FakeModule({"state": "absent", "name": "a", "size": None}, check_mode=check), None, store)
    with pytest.raises(TaskFailure) as caught:
        thing.apply()
    assert caught.value.result == {"users": ["x"]}
    assert thing.writes == [] and store == {"thing": CURRENT}


def test_before_delete_is_not_called_when_absent_already():
    thing = Guarded(FakeModule({"state": "absent", "name": "a", "size": None}), None, {})
    assert thing.apply() == {"changed": False, "thing": {}, "extra": 0}


def test_extra_result_sees_the_writes():
    thing = Guarded(FakeModule({"state": "present", "name": "a", "size": 3}), None, {})
    result = thing.apply()
    assert result["extra"] == 1 and result["changed"] is True


class Client(object):
    calls = 7


def run(work, params=None):
    module = FakeModule(params or {})
    with pytest.raises(FakeModule.Exit):
        run_task(module, lambda params: Client(), work)
    return module


def test_run_task_exits_with_changed_and_api_calls():
    module = run(lambda client, params: {"x": 1})
    assert module.exited == {"x": 1, "changed": False, "api_calls": 7}


def raiser(exc):
    def work(client, params):
        raise exc
    return work


def test_run_task_input_error_names_field_and_value():
    module = run(raiser(InputError("size", -1, "must be positive")))
    assert module.failed == {"msg": "size: -1 must be positive", "field": "size", "value": -1,
                             "changed": False, "api_calls": 7}


def test_run_task_api_error_without_traceback():
    module = run(raiser(ApiError(409, "CONFLICT", "taken", method="POST", path="/things", resource="a")))
    assert module.failed["error"]["code"] == "CONFLICT"
    assert module.failed["api_calls"] == 7 and "exception" not in module.failed


def test_run_task_task_failure_keeps_partial_result_and_changed():
    module = run(raiser(TaskFailure("half done", changed=True, done=["a"])))
    assert module.failed == {"msg": "half done", "changed": True, "done": ["a"], "api_calls": 7}


def test_chunks_are_consecutive_slices_of_at_most_size():
    assert chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert len(chunks(list(range(1000)), 100)) == 10
    assert chunks([], 100) == []
    assert chunks([1, 2], 0) == [[1], [2]]
