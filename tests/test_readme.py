"""The README's two set-up commands are what a newcomer runs first, and CI runs the second."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None and text.index("```sh") < text.index("\n## ")
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_opens_with_two_commands_in_a_virtual_environment() -> None:
    run, test = setup_commands()
    for command in (run, test):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    assert run.endswith(".venv/bin/coder demo")
    assert test.endswith(".venv/bin/pytest")


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    last = [line for line in script.splitlines() if line.strip()][-1]
    assert last == setup_commands()[1]
