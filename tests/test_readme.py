"""The README's examples, run as a reader would type them."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from qa.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_python_example_answers(tmp_path, seed_index):
    (snippet,) = re.findall(r"`(from qa import ask;[^`]+)`", README)
    shutil.copytree(seed_index, tmp_path / "index")  # the example uses ./index, as the README says
    code = f"{snippet}\nprint(type(answer).__name__, answer.abstained, answer.text[:60])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Answer False "), done.stdout


def _ask_examples() -> list[list[str]]:
    """The `qa ask` lines of the README's Asking block that take no input from stdin."""
    block = README.split("## Asking", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line.split("#", 1)[0])
        if words[:2] == ["qa", "ask"] and "<" not in line and "..." not in words:
            commands.append(words[2:])
    return commands


@pytest.mark.parametrize("arguments", _ask_examples(), ids=lambda a: " ".join(a)[:40])
def test_the_ask_examples_run(arguments, index, capsys):
    assert main(["ask", "--index", str(index), *arguments]) == 0
    assert capsys.readouterr().out.strip()
