"""The module_utils import one another without a cycle (issue 18: http_client -> polling -> resource
-> http_client was one), so each can be imported, and reasoned about, on its own."""
from __future__ import annotations

import ast
from pathlib import Path

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"
PREFIX = "ansible_collections.breakwater.ztp.plugins.module_utils."


def imports_of(path):
    """The module_utils a file imports, at the top or inside a function alike."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
            found.add(node.module[len(PREFIX):])
    return found


def find_cycle(graph):
    """One import cycle as a list of names, or None."""
    visiting, done = [], set()

    def visit(name):
        if name in visiting:
            return visiting[visiting.index(name):] + [name]
        if name in done:
            return None
        visiting.append(name)
        for child in sorted(graph.get(name, ())):
            cycle = visit(child)
            if cycle:
                return cycle
        visiting.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name)
        if cycle:
            return cycle
    return None


def test_module_utils_import_graph_has_no_cycle():
    graph = dict((p.stem, imports_of(p)) for p in MODULE_UTILS.glob("*.py"))
    assert "polling" in graph["http_client"]  # the graph is read: the HTTP layer takes its sleep from polling
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_find_cycle_finds_the_former_cycle():
    former = {"http_client": {"polling"}, "polling": {"resource"}, "resource": {"http_client"}}
    assert find_cycle(former) == ["http_client", "polling", "resource", "http_client"]
