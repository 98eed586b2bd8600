"""An index folder is data: hostile or damaged files in it give one-line errors, never run code,
and readers opening it while a build commits see one whole generation or the next."""

from __future__ import annotations

import os
import subprocess
import sys

from qa.store import build_lock
from tests.conftest import ROOT


def test_a_second_build_is_refused_before_the_model_is_loaded(corpus, index):
    code = (
        "import sys; from qa.cli import main; "
        f"code = main(['build', '--corpus', {str(corpus)!r}, '--index', {str(index)!r}]); "
        "print(code, sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    )
    with build_lock(index):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            timeout=60,
        )
    assert result.stdout.strip() == "1 []"
    assert result.stderr == f"qa: error: another build of {index}/ is running; wait for it to finish\n"
