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


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_json_description_names_every_field(index):
    from qa.answering import ask

    paragraph = README.split("`--json` prints", 1)[1].split("These field names", 1)[0]
    named = set(re.findall(r'"(\w+)"', paragraph))
    answer = ask("Welk aanbod wees Sheinbaum af?", index=index)
    assert _keys(answer.to_dict()) <= named, _keys(answer.to_dict()) - named


def test_the_readme_tells_the_flow_the_page_shows():
    from qa.translations import TRANSLATIONS

    articles = README.split("- **Articles**", 1)[1].split("\n- ", 1)[0]
    # Adding is dropping the files; the one button left is named as the page names it.
    assert "drop files" in articles and TRANSLATIONS["en"]["rebuild"] in articles
    assert "Rebuild index" not in README and "answered on its own" not in README
