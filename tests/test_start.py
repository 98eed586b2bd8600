"""What starting costs: which heavy libraries each entry point imports before it is asked anything.

sentence-transformers (with transformers and scikit-learn) is for building; asking the default model
needs torch, and only once its encoder is loaded; pymilvus only for an index in Milvus. Timings are
bench/bench_start.py's business.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sentence_transformers", "transformers", "sklearn", "torch", "pymilvus")


def imported_after(code: str) -> str:
    """The heavy libraries in sys.modules after `code` runs in a fresh Python (the last line it prints)."""
    check = f"import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{check}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


def test_importing_the_command_line_and_asking_loads_no_model_library():
    assert imported_after("import qa.answering, qa.cli, qa.search") == "[]"


def test_importing_the_app_loads_no_model_library():
    assert imported_after("import app") == "[]"


def test_qa_help_loads_no_model_library():
    code = "from qa.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert imported_after(code) == "[]"


def test_asking_the_default_model_imports_torch_but_not_sentence_transformers(seed_index):
    argv = ["ask", "--index", str(seed_index), "Wie is Sheinbaum?"]
    code = f"from qa.cli import main\nassert main({argv!r}) == 0"
    assert imported_after(code) == "['torch']"
