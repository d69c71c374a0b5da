"""Shared pytest fixtures: the lab server (one process per session) and a fresh lab per test."""
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
for extra in (TESTS_DIR.parent, TESTS_DIR / "lab"):  # `tests.helpers...` and `ztplab`
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from tests.helpers.collection import put_on_sys_path  # noqa: E402
from tests.helpers.lab import start_lab, stop  # noqa: E402

put_on_sys_path()


@pytest.fixture(scope="session")
def lab_server():
    lab, proc = start_lab()
    yield lab
    stop(proc)


@pytest.fixture
def lab(lab_server):
    lab_server.reset()
    return lab_server


def pytest_configure(config):
    # Also declared in pytest.ini; here for runs with another config (ansible-test units).
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    # The slow tests first (stable sort: the order is the same on every xdist worker), so that with
    # several workers the long ones overlap instead of one of them ending the run alone.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
