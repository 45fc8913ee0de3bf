"""The layers of the code, read from its own imports (issue 18).

From the bottom: `core` (what every app uses and no app owns), `registers` (the base: the
admission and attendance registers, the calendar, the statistics), `absences` (the office's
follow-up, leave, the parents' pages), `penalties` (thresholds, the ladder, notices), `reports`
(figures, dashboards, exports), then `retention` and `demo`, which reach into every app, and
`attendance_site`, which wires them together (settings, URLs, Celery). A module may import from
its own layer and those below it, never from one above; and no two modules import each other.
Apps below hear from apps above through registries filled in `AppConfig.ready` (the register's
expected codes, the parents' letters), never through an import.

Every import counts, at the top of a module or inside a function: an import hidden in a function
is still a dependency.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Parts on the same level may not import each other either (they are side by side).
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("registers",),
    ("absences",),
    ("penalties",),
    ("reports",),
    ("retention", "demo"),
    ("attendance_site",),
]
LEVEL = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for part in LEVEL:
        for path in sorted((ROOT / part).rglob("*.py")):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _ours(name: str) -> str | None:
    """The module of ours that `name` (a module, or a name in one) is in, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module of ours) for every import in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            target = _ours(name)
            # A package importing its own submodules (`__init__` re-exporting) is not a cycle.
            if target and target != module and not target.startswith(module + "."):
                found.append((node.lineno, target))
    return found


IMPORTS = {module: _imports(module, path) for module, path in MODULES.items()}


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def test_the_layers_are_read_from_every_part_of_the_code():
    # The check below means something only if it sees the code: every app, its modules and
    # their imports of each other.
    assert {module.partition(".")[0] for module in MODULES} == set(LEVEL)
    assert len(MODULES) > 150
    assert sum(len(found) for found in IMPORTS.values()) > 500


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    upward = [
        f"{_where(module, line)} imports {target}"
        for module, found in IMPORTS.items()
        for line, target in found
        if (source := module.partition(".")[0]) != (other := target.partition(".")[0])
        and LEVEL[other] >= LEVEL[source]
    ]
    assert upward == [], "imports against the layers:\n" + "\n".join(upward)


def _definitions() -> dict[str, list[str]]:
    found = defaultdict(list)
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                found[node.name].append(f"{MODULES[module].relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize(
    "rule",
    [
        # The first day of a school year (1 August), everywhere it is needed.
        "school_year_start",
        # When a register opens and closes, for the register page and the missing-registers
        # monitor alike.
        "register_window_for_pupils",
        # Whether a notice to improve's target is being met.
        "notice_to_improve_progress",
        # The statistics every figure comes from.
        "figures_for",
    ],
)
def test_each_rule_has_one_definition(rule):
    assert len(_definitions()[rule]) == 1, _definitions()[rule]
