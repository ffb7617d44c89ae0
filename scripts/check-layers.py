#!/usr/bin/env python3
"""The glue's module graph (src/): fails on an import cycle between modules, or on a module that
imports from a layer above its own. Layers, top to bottom: functions -> runtime -> pg. (The core
crate, core/, cannot see any of them: it has no pgrx and does not depend on the extension.)
Prints the graph with -v."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
LAYERS = {"functions": 0, "runtime": 1, "pg": 2}


def modules():
    """Module path (e.g. runtime::watch) -> source text, without its #[cfg(test)] tests."""
    found = {}
    for layer in LAYERS:
        for name in sorted(os.listdir(os.path.join(ROOT, layer))):
            if name.endswith(".rs") and name != "mod.rs":
                with open(os.path.join(ROOT, layer, name)) as f:
                    text = f.read()
                text = re.sub(r"#\[cfg\(test\)\]\s*mod tests \{.*", "", text, flags=re.S)
                found[f"{layer}::{name[:-3]}"] = text
    return found


def imports(name, text, known):
    """The modules `name` refers to through crate:: paths (plain and grouped uses)."""
    deps = set()
    for m in re.finditer(r"crate::([a-z_]+)::([a-z_]+)", text):
        deps.add(f"{m.group(1)}::{m.group(2)}")
    for m in re.finditer(r"crate::([a-z_]+)::\{([^}]*)\}", text):
        for part in m.group(2).split(","):
            deps.add(f"{m.group(1)}::{part.strip().split('::')[0]}")
    return {d for d in deps if d in known and d != name}


def main():
    texts = modules()
    graph = {name: imports(name, text, texts) for name, text in texts.items()}
    problems = []
    for name, deps in graph.items():
        for dep in deps:
            if LAYERS[dep.split("::")[0]] < LAYERS[name.split("::")[0]]:
                problems.append(f"upward import: {name} -> {dep}")
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                problems.append("cycle: " + " -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep)
        state[node] = "done"
        stack.pop()

    for node in sorted(graph):
        if node not in state:
            visit(node)
    if "-v" in sys.argv:
        for name in sorted(graph):
            print(f"{name} -> {', '.join(sorted(graph[name])) or '(nothing)'}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{len(graph)} modules: no cycle, every import goes down a layer or stays in its own")


if __name__ == "__main__":
    main()
