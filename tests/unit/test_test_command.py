"""scripts/test.sh refuses a step name it does not know, before running anything."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test.sh"


def run_test_command(*steps):
    return subprocess.run(["bash", str(SCRIPT), *steps], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1"), stdin=subprocess.DEVNULL, check=False)


def test_an_unknown_step_fails_and_names_the_known_ones():
    run = run_test_command("changelog", "quik")
    assert run.returncode != 0
    assert "unknown step 'quik'" in run.stderr
    assert "quick" in run.stderr  # the groups are listed
    # Nothing ran, not even the valid step before the typo, and nothing claims success.
    assert "ALL PASSED" not in run.stdout + run.stderr
    assert "======== changelog" not in run.stdout


def test_the_step_list_holds_the_quick_lane_step():
    run = run_test_command("--list")
    assert run.returncode == 0
    assert "pytest-quick" in run.stdout.split()
    assert "pytest" in run.stdout.split()
