"""`runbooks lint` says what a reader would miss, and stays quiet on pages laid out as a tree."""

from __future__ import annotations

from pathlib import Path

from tests.runbooks.conftest import PUBLIC
from warroom.cli.runbooks import lint_warnings, url_separators


def _lint(tmp_path: Path, text: str) -> list[str]:
    page = tmp_path / "page.md"
    page.write_text(text)
    return lint_warnings([str(page)])


def test_unquoted_ampersand_or_semicolon_in_a_url() -> None:
    assert url_separators("curl https://x/api?user=a&project=b") == ["https://x/api?user=a&"]
    assert url_separators("curl 'https://x/api?user=a&project=b'") == []
    assert url_separators('curl "https://x/api?a=1;b=2"') == []
    assert url_separators("wget http://x/a;rm -rf /") == ["http://x/a;"]


def test_lint_finds_the_url_in_a_step(tmp_path: Path) -> None:
    out = _lint(
        tmp_path,
        "# ApiDown\n\n## Diagnosis\n\n```bash\ncurl -s https://x/api?a=1&b=2\n```\n",
    )
    assert any("unquoted & or ; in URL 'https://x/api?a=1&'" in w for w in out), out


def test_a_verify_sub_heading_counts_for_a_tree_page(tmp_path: Path) -> None:
    tree = (
        "# QueueBacklog\n\n## Diagnosis\n\n```bash\nkubectl get pods\n```\n\n"
        "## Mitigation\n\n### Scale up\n\n```bash\nkubectl scale deploy/w --replicas=4\n```\n\n"
        "### Verify\n\nThe queue drains within minutes.\n"
    )
    assert _lint(tmp_path, tree) == []
    flat = tree.replace("### Verify\n\nThe queue drains within minutes.\n", "")
    assert _lint(tmp_path, flat) == [
        f"{tmp_path / 'page.md'}:1: warning: section 'QueueBacklog' has no verify step"
    ]


def test_a_change_before_any_look(tmp_path: Path) -> None:
    out = _lint(
        tmp_path,
        "# DiskFull\n\n## Mitigation\n\n```bash\nrm -rf /var/tmp/cache\n```\n\n"
        "## Verify\n\n```bash\ndf -h\n```\n",
    )
    assert out == [
        f"{tmp_path / 'page.md'}:6: warning: destructive step with no read step before it"
    ]


def test_a_placeholder_nothing_fills_or_sets(tmp_path: Path) -> None:
    out = _lint(
        tmp_path,
        "# ApiDown\n\n## Diagnosis\n\n```bash\nkubectl get pod <pod>\ncurl http://<backend-host>/\n"
        "```\n",
    )
    assert [w.split("warning: ")[1] for w in out] == [
        "no alert label fills <backend-host> and nothing sets it; it will be asked for"
    ]


def test_the_public_pages_lint_without_verify_false_alarms_on_read_only_pages() -> None:
    out = lint_warnings([str(PUBLIC / "po-KubePodCrashLooping.md")])
    assert not [w for w in out if "verify" in w]
