"""mkdocs hook (mkdocs.yml ``hooks:``): the pages that are generated rather than written.

- A page that starts with ``<!-- include: README.md`` becomes the README, its links made relative to the docs
  folder (the home page is the README: one text for GitHub and the site).
- ``<!-- cli-reference -->`` is replaced by ``liftformer --help`` and every subcommand's help, from the parsers
  themselves (``liftformer.cli.main.build_parser``), so the reference cannot drift from the program.
- The docstrings' Sphinx roles (``:func:`~a.b.c```) are shown as the code they name (``c``; ``a.b.c`` without the
  tilde), not as a literal ``:func:`` before it: mkdocstrings reads the docstrings as Markdown.

This folder is excluded from the built site (mkdocs.yml ``exclude_docs``).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README_PLACEHOLDER = "<!-- include: README.md"
CLI_PLACEHOLDER = "<!-- cli-reference -->"
HELP_WIDTH = "80"  # argparse wraps at $COLUMNS: one width for every build
SPHINX_ROLE = re.compile(r":(?:func|meth|class|mod|attr|data|obj|exc):<code>(~?)([^<]+)</code>")


def readme_for_site() -> str:
    """The README with its ``docs/…`` links and pictures made relative to ``docs/index.md``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.sub(r"\]\(docs/", "](", text)


def _fenced(text: str) -> str:
    return f"```text\n{text.rstrip()}\n```\n"


def cli_reference() -> str:
    """``liftformer --help``, then one section per subcommand with its one-line summary and full help."""
    from liftformer.cli.main import build_parser

    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH
    try:
        parser = build_parser()
        parts = [_fenced(parser.format_help())]
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                continue
            summaries = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                parts.append(f"## liftformer {name}\n\n{summaries.get(name) or ''}\n\n{_fenced(sub.format_help())}")
        return "\n".join(parts)
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before


def _role(match: re.Match[str]) -> str:
    name = match[2].rsplit(".", 1)[-1] if match[1] else match[2]
    return f"<code>{name}</code>"


def on_page_content(html: str, page, config, files) -> str:  # noqa: ANN001 (mkdocs' hook signature)
    return SPHINX_ROLE.sub(_role, html)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 (mkdocs' hook signature)
    if markdown.startswith(README_PLACEHOLDER):
        return readme_for_site()
    if CLI_PLACEHOLDER in markdown:
        markdown = markdown.replace(CLI_PLACEHOLDER, cli_reference())
    return markdown
