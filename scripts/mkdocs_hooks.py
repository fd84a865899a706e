"""MkDocs hooks of the guide (mkdocs.yml ``hooks:``).

The pages are written to read the same on a source forge and in the built guide. In a
table, a pipe inside a code span must be escaped (``\\|``) for GitHub-flavoured Markdown,
where every unescaped pipe splits a cell; Python-Markdown already leaves code spans whole
and would print the backslash, so it is removed there, in table rows only.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"(`+)(.+?)\1")


def _unescape_code_pipes(line: str) -> str:
    return _CODE.sub(lambda m: m.group(1) + m.group(2).replace("\\|", "|") + m.group(1), line)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Table rows (lines starting with ``|``) get their code spans' ``\\|`` back as ``|``."""
    return "\n".join(
        _unescape_code_pipes(line) if line.lstrip().startswith("|") else line for line in markdown.split("\n")
    )
