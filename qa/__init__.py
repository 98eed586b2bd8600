"""Semantic question answering over a news archive.

The pipeline is articles → chunks → vectors → index → passages; each step has its own module.
"""

__version__ = "0.1.0"
