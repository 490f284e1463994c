"""Fuzzed runbook text never breaks the parser or the `runbooks check|render` CLI.

Pages are built from the pieces real runbooks are made of (headings, fences with languages,
prompts, inline code, tables, lists, quotes, front matter), mixed with control characters,
odd line endings and long lines. The parser must return a `Runbook` whose every problem is a
one-line `RunbookIssue` and never an internal failure caught by its own safety net; the CLI
must end with exit 0 or 1 and one-line messages, never a traceback or the crash exit (70).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.cli import main
from warroom.domain.runbook_parse import parse_runbook_full

_LANGS = ["bash", "sh", "console", "shell-session", "", "sql", "psql", "promql", "http", "yaml"]
_ODD = ["\x00", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x7f", "\u202e", "\ufeff", "\r", "\r\n", "\t"]

_words = st.sampled_from(
    [
        "KubePodCrashLooping", "etcdMembersDown", "Diagnosis", "Mitigation", "Alert:", "**Alert:**",
        "kubectl", "get", "pods", "-n", "<namespace>", "$NS", "{{ $labels.pod }}", "'", '"', "`",
        "$(", ")", "|", "&&", ";", "\\", "#", "**", "__", "[x](#y)", "<br>", "[/x]", "SELECT",
        "rate(x[5m])", "--", "exit", "psql", "bash", "-it", "exec", "--", "sh", "{", "}", "(",
    ]
)  # fmt: skip
_text = st.lists(st.one_of(_words, st.text(max_size=8), st.sampled_from(_ODD)), max_size=12).map(
    " ".join
)


@st.composite
def _piece(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 10))
    line = draw(_text)
    if kind == 0:
        return f"{'#' * draw(st.integers(1, 7))} {line}\n"
    if kind == 1:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        body = "\n".join(draw(st.lists(_text, max_size=6)))
        closed = draw(st.booleans())
        return f"{fence}{draw(st.sampled_from(_LANGS))}\n{body}\n{fence if closed else ''}\n"
    if kind == 2:
        prompt = draw(st.sampled_from(["$ ", "# ", "db=# ", "user@host:~$ ", "127.0.0.1:6379> "]))
        return f"```console\n{prompt}{line}\n{draw(_text)}\n```\n"
    if kind == 3:
        return f"Check `{line}` and `{draw(_text)}`.\n"
    if kind == 4:
        return f"| Alert | Link |\n|---|---|\n| {line} | [go](#{draw(_text)}) |\n"
    if kind == 5:
        return f"---\nalerts: [{line}]\ntitle: {draw(_text)}\n---\n"
    if kind == 6:
        depth = draw(st.integers(0, 40))
        return f"{'  ' * depth}- {'> ' * draw(st.integers(0, 5))}{line}\n"
    if kind == 7:
        return draw(st.sampled_from(["x", "`", "$ a", "| a"])) * draw(st.integers(1, 70_000))
    if kind == 8:
        return f"{'>' * draw(st.integers(1, 60))} {line}\n"
    if kind == 9:
        return f"{draw(st.integers(1, 9))}. **{line}**\n    ```bash\n    {draw(_text)}\n    ```\n"
    return f"{line}\n\n"


_pages = st.lists(_piece(), max_size=14).map("".join)


def _assert_issues_are_one_line(text: str) -> None:
    result = parse_runbook_full(text, "fuzz.md")
    for issue in result.runbook.errors:
        assert "\n" not in issue.message and "\r" not in issue.message, issue
        # the parser's safety nets name an internal failure: fuzzed text must never reach them
        assert not issue.message.startswith(("could not parse", "could not read")), issue
    for section in result.runbook.sections:
        assert section.line >= 0
        for step in section.steps:
            assert step.line >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pages)
def test_fuzzed_pages_parse_with_one_line_issues(text: str) -> None:
    _assert_issues_are_one_line(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_parses_with_one_line_issues(text: str) -> None:
    _assert_issues_are_one_line(text)


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pages, st.sampled_from(["KubePodCrashLooping", "etcdMembersDown", "NoSuchAlert"]))
def test_fuzzed_files_through_check_and_render_end_in_one_line(text: str, alert: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / f"{alert}.md"
        page.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        for argv in (
            ["runbooks", "check", str(page)],
            ["runbooks", "check", "--json", str(page)],
            ["runbooks", "render", str(page), "--alert", alert, "--label", "pod=web-1"],
        ):
            code, out, err = _cli(argv)
            assert code in {0, 1}, (argv, code, err)
            assert "Traceback" not in out + err
            assert "\x1b" not in out + err and "\x00" not in out + err, "raw control bytes"
            for line in err.splitlines():
                assert line.strip(), err
