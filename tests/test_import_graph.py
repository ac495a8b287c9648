"""The layers of the code, read from its imports: every arrow points down, none goes round.

    bcc_sponsor (settings, URLs) → program → claims → premiums → donations → recipients → core

Each package may import only the packages to its right (and itself). The test reads every
import statement of the non-test code, at module level or inside a function alike, so a lazy
import cannot hide an arrow that points back up. It also refuses reflection that reaches another
app's models without importing it (`.related_model`, `apps.get_model`), and, in the recipients
app, lookups through the relations that the higher apps add to recipients.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Lowest first: a package may import those before it in this list, and itself.
LAYERS = ["core", "recipients", "donations", "premiums", "claims", "program", "bcc_sponsor"]
#: Tools outside the layers: they may import any layer, and no layer imports them.
TOOLS = ["bench"]


def _python_files(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The first-party modules a file imports (as dotted names)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import, within the package
                here = _module_name(path)
                if path.name != "__init__.py":
                    here = here.rsplit(".", 1)[0]
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            found.add(module)
            # `from core import months` imports the module core.months
            found.update(f"{module}.{alias.name}" for alias in node.names)
    first_party = set(LAYERS + TOOLS)
    return {name for name in found if name.split(".")[0] in first_party}


def _graph() -> dict[str, set[str]]:
    modules = {}
    for package in LAYERS + TOOLS:
        for path in _python_files(package):
            modules[_module_name(path)] = path
    graph = {}
    for name, path in modules.items():
        graph[name] = {imported for imported in _imports(path) if imported in modules}
    return graph


GRAPH = _graph()


def test_it_reads_every_package():
    packages = {name.split(".")[0] for name in GRAPH}
    assert packages == set(LAYERS + TOOLS)
    # Enough modules that a change in layout that hides files from the test would show.
    assert len(GRAPH) > 60


@pytest.mark.parametrize("package", LAYERS + TOOLS)
def test_it_finds_no_arrow_pointing_up(package):
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = []
    for module, imported in GRAPH.items():
        if module.split(".")[0] != package:
            continue
        for target in imported:
            target_package = target.split(".")[0]
            if (
                target_package in TOOLS
                and package not in TOOLS
                or (
                    package in LAYERS
                    and target_package in LAYERS
                    and rank[target_package] > rank[package]
                )
            ):
                upward.append(f"{module} → {target}")
    assert upward == []


def test_it_finds_no_cycle():
    cycles = []
    state = {}  # module → "visiting" / "done"

    def visit(module, path):
        state[module] = "visiting"
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == "visiting":
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


REFLECTION = re.compile(r"\.related_model\b|\bget_model\(")


@pytest.mark.parametrize("package", ["core", "recipients", "donations", "premiums"])
def test_it_reaches_no_model_by_reflection(package):
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _python_files(package)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if REFLECTION.search(line)
    ]
    assert found == []


def test_recipients_never_look_up_through_the_higher_apps_relations():
    # "sponsorships", "payments"… are reverse relations that donations and premiums add to the
    # recipients' models: a lookup through them is an import of those apps in disguise.
    higher = re.compile(
        r"[\"'](?:[a-z_]+__)*(?:sponsorships|payments|evidence|refunds)(?:__|[\"'])"
    )
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _python_files("recipients")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if higher.search(line)
    ]
    assert found == []


def test_the_checks_would_see_an_upward_arrow(tmp_path):
    # The reader itself: an import inside a function, written as `from X import Y`, is found.
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from program import dashboard\n    import premiums.models\n")
    assert _imports(source) == {
        "program",
        "program.dashboard",
        "premiums.models",
    }
