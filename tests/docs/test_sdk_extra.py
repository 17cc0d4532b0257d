"""The README's SDK example needs one documented step: the `sdk` extra provides what it imports."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def extras() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        name: [Requirement(item) for item in items]
        for name, items in project["optional-dependencies"].items()
    }


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(title)
    end = text.find("\n### ", start + len(title))
    return text[start : end if end != -1 else None]


def test_the_sdk_extra_pins_what_the_tests_pin() -> None:
    groups = extras()
    sdk = {req.name: str(req.specifier) for req in groups["sdk"]}
    test = {req.name: str(req.specifier) for req in groups["test"]}
    assert set(sdk) == {"azure-mgmt-apimanagement", "azure-core"}
    for name, specifier in sdk.items():
        assert test[name] == specifier


def test_the_readme_installs_the_sdk_extra_in_one_step() -> None:
    text = section("### With Azure's Python SDK")
    commands = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    assert commands, "the SDK section shows no install command"
    install = commands[0].strip()
    assert install == ".venv/bin/python -m pip install -c constraints.txt -e '.[sdk]'"
    assert "`EXTRAS=sdk scripts/run`" in text


def test_the_sdk_extra_provides_every_module_the_example_imports() -> None:
    text = section("### With Azure's Python SDK")
    code = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    modules = set(re.findall(r"^(?:from|import) (azure[\w.]*)", code, flags=re.M))
    assert modules, "the example imports nothing from azure"
    # What the extra installs: its requirements and theirs (installed here by the test extra).
    provided: set[str] = set()
    pending = [req.name for req in extras()["sdk"]]
    while pending:
        name = metadata.distribution(pending.pop()).metadata["Name"].lower()
        if name in provided:
            continue
        provided.add(name)
        for item in metadata.requires(name) or []:
            requirement = Requirement(item)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    for module in modules:
        relative = module.replace(".", "/")
        wanted = {f"{relative}.py", f"{relative}/__init__.py"}
        owners = [
            name
            for name in provided
            if any(str(file) in wanted for file in metadata.files(name) or [])
        ]
        assert owners, f"no distribution of the sdk extra provides {module}"
