"""Semantic question answering over a news archive.

The pipeline is articles → chunks → vectors → index → passages; each step has its own module.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # `qa.ask` without importing torch for `qa --help`: loaded on first use.
    if name == "ask":
        from qa.answering import ask

        return ask
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
