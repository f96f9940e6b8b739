"""The README is the quick start plus links: every relative link in it leads to a file, it
links every page of the documentation site, and the commands it shows for your own images and
for looking inside a run are command lines that docs/own-images.md runs as written
(tests/docs/test_docs_pages.py runs that page end to end, so they are not run twice)."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_commands import blocks, commands, runnable, section

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_in_the_readme_leads_to_a_file():
    targets = [t for t in LINK.findall(README) if "://" not in t]
    assert targets
    for target in targets:
        assert (ROOT / target).exists(), f"README links {target}, which does not exist"
    assert "](#" not in README, "an anchor in the README: link the docs page that holds the section"


def test_the_readme_links_every_page_of_the_site():
    linked = set(LINK.findall(README))
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name == "changelog.md":  # the site's page includes CHANGELOG.md, which the README links
            assert "CHANGELOG.md" in linked
            continue
        assert f"docs/{page.name}" in linked, f"the README's Documentation section lacks docs/{page.name}"


def test_the_readme_commands_for_your_own_images_run_on_the_docs_page():
    page = (ROOT / "docs" / "own-images.md").read_text(encoding="utf-8")
    run_there = [argv for b in runnable(page) if b.language == "bash" for argv in commands(b.code)]
    shown = [
        argv
        for heading in ("## Train on your own images", "## Look inside a run")
        for b in blocks(section(README, heading))
        if b.language == "bash"
        for argv in commands(b.code)
    ]
    assert [argv[0] for argv in shown] == ["dalearn-train", "dalearn-train", "dalearn-analyze"]
    assert shown[0][1:] == ["data=custom", "data.source.path=my_digits", "data.target.path=my_digits_target"]
    for argv in shown:
        assert argv in run_there, f"README shows {' '.join(argv)}, which docs/own-images.md does not run"
