"""One direction of dependency: the base imports no app, each app imports only the apps
below it, and no two apps import each other. Read from the source with ast, so a lazy
import inside a function counts as much as one at the top of a module."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each app and the apps it may import: the README's "What is in it" says the same.
MAY_IMPORT = {
    "amn": set(),
    "budget": {"amn"},
    "organisation": {"amn", "budget"},
    "goals": {"amn"},
    "indicators": {"amn", "goals"},
    "reports": {"amn", "budget", "goals", "indicators"},
    "demo": {"amn", "budget", "goals", "indicators", "reports"},
}


def app_imports(root: Path, apps) -> dict[str, dict[str, list[str]]]:
    """For each app, the other apps it imports, with the places that import them."""
    found: dict[str, dict[str, list[str]]] = {app: {} for app in apps}
    for app in apps:
        for module in sorted((root / app).rglob("*.py")):
            if "migrations" in module.parts:
                continue
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in apps and top != app:
                        place = f"{module.relative_to(root)}:{node.lineno}"
                        found[app].setdefault(top, []).append(place)
    return found


def layer_violations(root: Path, may_import: dict[str, set[str]]) -> list[str]:
    imports = app_imports(root, may_import)
    return [
        f"{place} importerar {imported} ({app} får importera: "
        f"{', '.join(sorted(may_import[app])) or 'ingen app'})"
        for app, targets in imports.items()
        for imported, places in targets.items()
        if imported not in may_import[app]
        for place in places
    ]


def cycles(may_import: dict[str, set[str]]) -> list[tuple[str, str]]:
    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in may_import.get(start, ()):
            if step == goal or (step not in seen and reaches(step, goal, seen | {step})):
                return True
        return False

    return [(a, b) for a in may_import for b in may_import[a] if reaches(b, a, set())]


def test_every_app_of_the_project_has_its_place_in_the_layers():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}

    assert apps == set(MAY_IMPORT)


def test_the_allowed_imports_have_no_cycle():
    assert cycles(MAY_IMPORT) == []


def test_no_app_imports_an_app_it_may_not():
    assert layer_violations(ROOT, MAY_IMPORT) == []


def test_a_forbidden_import_is_found_wherever_it_stands(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "models.py").write_text("def late():\n    from top.views import x\n")
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "views.py").write_text("import base.models\n")

    violations = layer_violations(tmp_path, {"base": set(), "top": {"base"}})

    assert violations == ["base/models.py:2 importerar top (base får importera: ingen app)"]
    assert cycles({"a": {"b"}, "b": {"a"}}) == [("a", "b"), ("b", "a")]
