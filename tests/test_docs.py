"""The guide (docs/, MkDocs) builds strictly, opens offline, and every link of README.md lands.

``mkdocs build --strict`` (mkdocs.yml turns link, anchor and omitted-page warnings on) fails on a
broken internal link, a missing anchor or image, or a page left out of the navigation. The
built HTML and CSS must load nothing from another host (it opens from the file system, offline:
Help → Paper Terminal guide). README.md is not part of the site, so its links are checked here:
each relative target exists, and an anchor is a heading of the target under both GitHub's and
MkDocs' slug rules (the README is read on a forge, the pages in the built guide).
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)


def github_slug(heading: str) -> str:
    """GitHub's heading anchor: markup dropped, lower case, punctuation removed, each space a hyphen."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def mkdocs_slug(heading: str) -> str:
    """Python-Markdown's toc slugify (MkDocs' default): ASCII only, runs of spaces and hyphens one hyphen."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def headings(markdown: str) -> list[str]:
    return HEADING.findall(FENCE.sub("", markdown))


def links(markdown: str) -> list[str]:
    return LINK.findall(FENCE.sub("", markdown))


class Fetched(HTMLParser):
    """The URLs a browser loads by itself while showing a page (not the ones a click follows)."""

    LOADS: ClassVar[dict[str, str]] = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "link": "href",
        "embed": "src",
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.LOADS.get(tag)
        for name, value in attrs:
            if value and (name == wanted or name == "srcset"):
                self.urls.append(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    return out


def test_guide_builds_strictly_with_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(ROOT / "docs").with_suffix(".html") for p in (ROOT / "docs").rglob("*.md"))
    assert pages and all((site / page).is_file() for page in pages)
    assert (site / "index.html").is_file()
    window = (site / "guide" / "window.html").read_text(encoding="utf-8")
    assert 'src="../images/main-dark.png"' in window and (site / "images" / "main-dark.png").is_file()


def test_built_guide_fetches_nothing_from_another_host(site: Path) -> None:
    outside = []
    for page in site.rglob("*.html"):
        parser = Fetched()
        parser.feed(page.read_text(encoding="utf-8"))
        outside += [f"{page.name}: {url}" for url in parser.urls if re.match(r"(https?:)?//", url)]
    for sheet in site.rglob("*.css"):
        for url in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])([^'\")\s]+)", sheet.read_text(encoding="utf-8")):
            if re.match(r"(https?:)?//", url):
                outside.append(f"{sheet.name}: {url}")
    assert outside == []


def test_readme_links_land_on_files_and_headings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = []
    for target in links(readme):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / path) if path else ROOT / "README.md"
        if not file.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor:
            titles = headings(file.read_text(encoding="utf-8"))
            if anchor not in {github_slug(t) for t in titles} or anchor not in {mkdocs_slug(t) for t in titles}:
                broken.append(f"{target}: no heading with that anchor")
    assert broken == []
    assert len(readme.splitlines()) <= 250, "README.md is the landing page; the reference goes to docs/"


@pytest.mark.parametrize(
    ("heading", "github", "mkdocs"),
    [
        ("Can this signal be executed now?", "can-this-signal-be-executed-now", "can-this-signal-be-executed-now"),
        (
            "`paper-terminal export --format csv|json PATH`",
            "paper-terminal-export---format-csvjson-path",
            "paper-terminal-export-format-csvjson-path",
        ),
        (
            "Figures (free keys for all four, 10 % reserve)",
            "figures-free-keys-for-all-four-10--reserve",
            "figures-free-keys-for-all-four-10-reserve",
        ),
    ],
)
def test_slug_rules_match_the_renderers(heading: str, github: str, mkdocs: str) -> None:
    from markdown.extensions.toc import slugify

    assert github_slug(heading) == github
    assert mkdocs_slug(heading) == mkdocs == slugify(heading.replace("`", ""), "-")
