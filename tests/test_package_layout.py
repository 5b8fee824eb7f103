"""The package reads as the pipeline: imports only go down the stages, never back up,
and no two modules import each other (also not through function-level imports)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "callcheck"
# audio -> regions -> words -> measurements -> findings -> report, then one call, many calls, the front ends
LAYERS = ("errors", "records", "signal", "speech", "redact", "layout_text", "parties", "measure", "privacy", "config",
          "rules", "report", "pipeline", "batch", "web", "cli")
RANK = {"errors": 0, **{name: i for i, name in enumerate(LAYERS)}}
COMPAT = {"callcheck.store"}  # old import paths kept for users' scripts


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The callcheck modules `path` imports; `from callcheck.x import y` is module x.y if that is one."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("callcheck"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("callcheck"))
    return found


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports(path, set(paths)) if m in paths and m != name} for name, path in paths.items()}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_imports_never_climb_back_up_the_pipeline():
    wrong = [
        f"{source} imports {target}"
        for source, targets in graph().items() if source not in COMPAT and layer(source) in RANK
        for target in targets if layer(target) in RANK and RANK[layer(target)] > RANK[layer(source)]
    ]
    assert not wrong, wrong


def test_no_import_cycles():
    edges = graph()
    cycles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert not cycles, cycles


def test_every_subpackage_is_a_known_stage():
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    stages |= {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__", "store"}
    assert stages <= set(LAYERS), stages - set(LAYERS)
