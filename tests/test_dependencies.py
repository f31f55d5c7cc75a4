"""Every package the application runs on is pinned to one version in pyproject.toml, and
that version is the one installed: a fresh checkout installs exactly what was tested."""

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.amn.test_settings import ROOT


def pinned() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    pins = {}
    for line in lines:
        requirement = Requirement(line)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{line} is not pinned to one version"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def required_by(name: str, seen: set[str]) -> set[str]:
    """`name` and everything it needs, as installed, with environment markers applied."""
    name = canonicalize_name(name)
    if name in seen:
        return seen
    seen.add(name)
    for line in metadata.requires(name) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            required_by(requirement.name, seen)
    return seen


def test_every_dependency_down_the_tree_is_pinned():
    needed = set()
    for name in pinned():
        required_by(name, needed)

    assert sorted(needed - set(pinned())) == []


def test_the_installed_versions_are_the_pinned_ones():
    installed = {name: metadata.version(name) for name in pinned()}

    assert installed == pinned()
