"""The one wait loop: done on the first poll, progress on every poll, the deadline, the option rule."""
from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout, check_wait_options, poll
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError


class FakeClock(object):
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_returns_the_first_done_value_without_sleeping():
    clock = FakeClock()
    assert poll(lambda: 7, lambda v: v == 7, timeout=60, interval=5, clock=clock, pause=clock.sleep) == 7
    assert clock.sleeps == []


def test_poll_reports_every_fetch_and_sleeps_between():
    clock = FakeClock()
    values = iter([1, 2, 3])
    seen = []
    result = poll(lambda: next(values), lambda v: v == 3, timeout=60, interval=5,
                  on_poll=lambda v, elapsed: seen.append((v, elapsed)), clock=clock, pause=clock.sleep)
    assert result == 3
    assert seen == [(1, 0.0), (2, 5.0), (3, 10.0)]
    assert clock.sleeps == [5, 5]


def test_poll_polls_last_at_the_deadline_then_times_out_with_the_last_value():
    clock = FakeClock()
    fetched = []

    def fetch():
        fetched.append(clock.now)
        return {"pending": 2}

    with pytest.raises(WaitTimeout) as caught:
        poll(fetch, lambda v: False, timeout=12, interval=5, describe=lambda v: "%d pending" % v["pending"],
             clock=clock, pause=clock.sleep)
    assert fetched == [100.0, 105.0, 110.0, 112.0]
    assert clock.sleeps == [5, 5, 2]
    assert caught.value.last == {"pending": 2}
    assert str(caught.value) == "still waiting after 12 seconds: 2 pending"


def test_poll_with_timeout_zero_looks_once():
    clock = FakeClock()
    with pytest.raises(WaitTimeout):
        poll(lambda: 1, lambda v: False, timeout=0, interval=5, clock=clock, pause=clock.sleep)
    assert clock.sleeps == []


@pytest.mark.parametrize("timeout, interval, field", [(-1, 5, "wait_timeout"), (None, 5, "wait_timeout"),
                                                      (10, 0, "poll_interval"), (10, None, "poll_interval")])
def test_check_wait_options_names_the_option(timeout, interval, field):
    with pytest.raises(InputError) as caught:
        check_wait_options(timeout, interval)
    assert caught.value.field == field
    assert caught.value.value == (timeout if field == "wait_timeout" else interval)


def test_check_wait_options_accepts_zero_timeout():
    check_wait_options(0, 1)
