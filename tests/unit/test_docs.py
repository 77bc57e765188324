"""The README and docs/ hold together: every relative link resolves, every `sellersync ...` command shown exists.

Links: `[text](target)` outside code; a target that is not a URL must name an existing file (relative to the page),
and a `#anchor` must be a heading of the target page (GitHub's slugs, duplicates numbered -1, -2, ...) or an explicit
`<a id="...">`. Commands: every line of a code block and every inline code span that starts with `sellersync `; the
words up to the first option or placeholder are its command path, and `sellersync <path> --help` must exit 0. Each
distinct path runs once (the CLI's --help takes ~0.2 s).
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^ {0,3}```.*?^ {0,3}```[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXPLICIT_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
COMMAND_WORD = re.compile(r"[a-z][a-z0-9-]*")
PLACEHOLDER = re.compile(r"[A-Z0-9]")


def _without_code(text: str) -> str:
    """The page with its fenced code blocks and inline code spans blanked out."""
    text = FENCE.sub("", text)
    return INLINE_CODE.sub("", text)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces become hyphens."""
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """Every anchor a link may name in the page: heading slugs (numbered like GitHub's) and explicit ids."""
    text = page.read_text(encoding="utf-8")
    found: set[str] = set(EXPLICIT_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for _, heading in HEADING.findall(FENCE.sub("", text)):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(found)


def links(page: Path) -> Iterator[str]:
    yield from LINK.findall(_without_code(page.read_text(encoding="utf-8")))


def broken_link(page: Path, target: str) -> str | None:
    """Why a link of the page does not resolve, or None."""
    if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
        return None
    path, _, anchor = target.partition("#")
    dest = (page.parent / path).resolve() if path else page
    if not dest.exists():
        return f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}"
    if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
        return f"{target}: no heading or anchor '{anchor}' in {dest.relative_to(ROOT)}"
    return None


def shown_commands(page: Path) -> Iterator[str]:
    """Every `sellersync ...` command the page shows, in code blocks or inline code."""
    text = page.read_text(encoding="utf-8")
    for block in FENCE.findall(text):
        for line in block.splitlines():
            if line.strip().startswith("sellersync "):
                yield line.strip()
    for span in INLINE_CODE.findall(FENCE.sub("", text)):
        if span.startswith("sellersync "):
            yield " ".join(span.split())


def command_path(command: str) -> tuple[str, ...]:
    """The words after `sellersync` up to the first option, placeholder, value or comment."""
    path: list[str] = []
    for word in command.split()[1:]:
        if not COMMAND_WORD.fullmatch(word) or PLACEHOLDER.search(word):
            break
        path.append(word)
    return tuple(path)


def sellersync() -> Path:
    beside = Path(sys.executable).with_name("sellersync")
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "sellersync"


def test_pages_are_found() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "architecture.md", "decisions.md", "limitations.md"} <= names


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    assert lines[0] == "# Seller Sync"
    assert lines[2] == "```"
    assert lines[3].startswith("make demo ")
    assert lines[4].startswith("make test ")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    problems = [problem for target in links(page) if (problem := broken_link(page, target))]
    assert not problems, "\n".join(problems)


def test_shown_sellersync_commands_exist() -> None:
    shown: dict[tuple[str, ...], str] = {}
    for page in PAGES:
        for command in shown_commands(page):
            shown.setdefault(command_path(command), f"{page.relative_to(ROOT)}: {command}")
    assert len(shown) > 10, shown  # the pages do show the CLI

    # The installed console script answers; each shown command is then asked in process (a subprocess per command
    # costs ~0.3 s of start-up each, which bench_cli measures on its own).
    top = subprocess.run([str(sellersync()), "--help"], capture_output=True, text=True, timeout=30, check=False)
    assert top.returncode == 0, top.stderr
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    codes = {path: runner.invoke(app, [*path, "--help"]).exit_code for path in shown}
    missing = [
        f"sellersync {' '.join(path)} --help exits {code} (shown as {shown[path]})"
        for path, code in codes.items()
        if code
    ]
    assert not missing, "\n".join(missing)
