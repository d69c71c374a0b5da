"""The one way tests put this checkout on the path as ``ansible_collections.breakwater.ztp``.

Python imports (unit tests, inventory plugins loaded in-process) and ansible-playbook runs
(ANSIBLE_COLLECTIONS_PATH) both use :func:`collections_path`:

- under ansible-test, the checkout is already staged at ``.../ansible_collections/breakwater/ztp``:
  its grandparent's parent is used as is;
- otherwise ``<checkout>/.cache/collections/ansible_collections/breakwater/ztp`` -> the checkout
  (the link scripts/setup.sh makes, created here when missing), one per checkout.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def staged() -> bool:
    """True under ansible-test, which copies the checkout to .../ansible_collections/breakwater/ztp."""
    return REPO.parent.name == "breakwater" and REPO.parent.parent.name == "ansible_collections"


def collections_path() -> str:
    """A folder holding ansible_collections/breakwater/ztp -> this checkout."""
    if staged():
        return str(REPO.parents[2])
    root = REPO / ".cache" / "collections"
    link = root / "ansible_collections" / "breakwater" / "ztp"
    if not (link.is_symlink() and link.resolve() == REPO):
        link.parent.mkdir(parents=True, exist_ok=True)
        # Atomic replace: parallel pytest workers may get here at the same time.
        tmp_link = link.with_name("ztp.%d" % os.getpid())
        tmp_link.symlink_to(REPO)
        os.replace(str(tmp_link), str(link))
    return str(root)


def put_on_sys_path() -> None:
    """Make ``import ansible_collections.breakwater.ztp...`` load this checkout."""
    if staged():
        return  # ansible-test's own collection loader already serves the staged copy
    path = collections_path()
    if path not in sys.path:
        sys.path.insert(0, path)
        # Forget a namespace package resolved before the path was there.
        for name in [n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")]:
            del sys.modules[name]
