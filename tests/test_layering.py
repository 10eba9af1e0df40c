"""The layering rule of README "Working on the code", checked on the source.

A domain package may import, at module level, only kernel modules and domains in lower layers.
An import inside a function that crosses domains must say, in a comment between its function's `def`
and the import, which cycle it breaks ("cycle: …"). The wiring modules that build the app from every domain
(`__init__`, `web`, `cli`, `serve`, `models`) are exempt: they sit above everything.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "marketplace"

KERNEL = {
    "config", "money", "types", "timezones", "i18n", "forms", "errors", "params", "numbers",
    "extensions", "spreadsheets", "compression", "assets", "signals", "menus", "contact",
    "views_support", "client_timeout", "safe_gc", "lru", "slots", "upserts", "request_locals",
    "html_refs",
}  # fmt: skip
WIRING = {"__init__", "application", "web", "cli", "serve", "models"}

# Bottom to top. A domain may import the domains of lower layers (and its own), never higher or equal.
# Keep in step with the README's table.
LAYERS: list[set[str]] = [
    {"email", "media"},
    {"accounts"},
    {"audit"},
    {"markets"},
    {"catalogue", "cache"},
    {"seller"},
    {"labels", "stock", "shipping", "questions"},
    {"cart", "origin", "favourites"},
    {"orders"},
    {"payments"},
    {"refunds"},
    {"payouts", "cases", "reviews"},
    {"curation", "mentoring"},
    {"naikkelas"},
    {"monitoring"},
    {"dashboard", "storefront"},
    {"jobs", "backup"},
    {"api", "site", "demo"},
]

MAX_LINES = 600
LONG_MODULE_MARK = "Longer than 600 lines because"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _unit(module: str) -> str | None:
    """The domain (package) or top-level module a dotted name belongs to."""
    parts = module.split(".")
    if parts[0] != "marketplace" or len(parts) < 2:
        return None
    return parts[1]


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.top: list[tuple[str, int]] = []
        self.inner: list[tuple[str, int]] = []
        self._depth = 0

    def _target(self, node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - (node.level - 1)]
            name = ".".join(base + ([node.module] if node.module else []))
        else:
            name = node.module or ""
        if name == "marketplace":
            return [f"marketplace.{alias.name}" for alias in node.names]
        return [name]

    def _record(self, node: ast.Import | ast.ImportFrom) -> None:
        bucket = self.inner if self._depth else self.top
        bucket.extend((name, node.lineno) for name in self._target(node))

    visit_Import = visit_ImportFrom = _record

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _function(self, node: ast.AST) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function


def _comment_names_a_cycle(lines: list[str], line: int) -> bool:
    """A "# … cycle …" comment between the enclosing `def` and the import on 1-based `line`."""
    for text in reversed(lines[:line]):
        stripped = text.strip()
        if stripped.startswith("#") and "cycle" in stripped:
            return True
        if stripped.startswith(("def ", "async def ")):
            return False
    return False


def _scan():
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    uncommented: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        unit = _unit(module)
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(source))
        where = path.relative_to(PACKAGE.parent)
        for target, line in visitor.top:
            other = _unit(target)
            if other and unit and other != unit:
                edges[unit][other].append(f"{where}:{line}")
        if unit is None or unit in WIRING:
            continue
        for target, line in visitor.inner:
            other = _unit(target)
            if not other or other == unit or other in KERNEL:
                continue
            if not _comment_names_a_cycle(lines, line):
                uncommented.append(f"{where}:{line} imports {target}")
    return edges, uncommented


EDGES, UNCOMMENTED = _scan()


def _layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"{unit!r} is in no layer: add it to LAYERS and to the README")


def test_every_domain_has_a_layer() -> None:
    units = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    units |= {path.stem for path in PACKAGE.glob("*.py")}
    for unit in sorted(units - KERNEL - WIRING - {"translations"}):
        _layer_of(unit)


def test_kernel_imports_no_domain() -> None:
    wrong = [
        f"{kernel} -> {other} ({', '.join(places)})"
        for kernel in sorted(KERNEL)
        for other, places in EDGES.get(kernel, {}).items()
        if other not in KERNEL
    ]
    assert not wrong, "kernel modules must not import domains:\n" + "\n".join(wrong)


def test_domains_import_only_lower_layers_at_module_level() -> None:
    wrong = []
    for unit, targets in sorted(EDGES.items()):
        if unit in KERNEL or unit in WIRING:
            continue
        for other, places in sorted(targets.items()):
            if other in KERNEL or other in WIRING and other == "models":
                continue
            if other in WIRING or _layer_of(other) >= _layer_of(unit):
                wrong.append(f"{unit} (layer {_layer_of(unit)}) -> {other}: {', '.join(places[:3])}")
    assert not wrong, "imports that break the layering (see README, Working on the code):\n" + "\n".join(
        wrong
    )


def test_in_function_imports_name_the_cycle_they_break() -> None:
    assert not UNCOMMENTED, (
        "an import inside a function crosses domains without a comment naming the cycle it breaks:\n"
        + "\n".join(UNCOMMENTED)
    )


def test_long_modules_say_why() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and LONG_MODULE_MARK not in "\n".join(lines[:8]):
            unexplained.append(f"{path.relative_to(PACKAGE.parent)}: {len(lines)} lines")
    assert not unexplained, f"split these, or say at the top '{LONG_MODULE_MARK} …':\n" + "\n".join(
        unexplained
    )


def test_the_readme_lists_the_same_layers() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Layers.**", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[2] for line in section.splitlines() if line.startswith("| ") and "`" in line]
    documented = [{name.strip(" `") for name in row.split(",")} for row in rows]
    assert documented == LAYERS
