"""One test per splitting rule: where a shell command ends, and what else a block holds."""

from __future__ import annotations

from tests.runbooks.helpers import commands, section
from warroom.domain.runbook_parser import parse_runbook
from warroom.domain.runbooks import StepKind


def test_one_step_per_line() -> None:
    assert commands("uptime\nfree -h\n\ndf -h") == ["uptime", "free -h", "df -h"]


def test_single_quotes_span_lines() -> None:
    body = "curl -d '{\n  \"a\": 1\n}' http://x\necho next"
    assert commands(body) == ["curl -d '{\n  \"a\": 1\n}' http://x", "echo next"]


def test_double_quotes_span_lines_and_hold_other_quotes() -> None:
    body = "psql -c \"\nSELECT 'a' FROM t;\n\"\necho next"
    assert commands(body) == ["psql -c \"\nSELECT 'a' FROM t;\n\"", "echo next"]


def test_command_substitution_inside_double_quotes() -> None:
    body = "echo \"$(date -d '+30 minutes' -Iseconds)\"\necho next"
    assert commands(body)[1] == "echo next"


def test_trailing_backslash_continues() -> None:
    body = "echo a | \\\n  mail -s x y\necho next"
    assert commands(body) == ["echo a | \\\n  mail -s x y", "echo next"]


def test_trailing_pipe_and_and_continue() -> None:
    assert commands("make &&\n  make install\nls") == ["make &&\n  make install", "ls"]


def test_heredoc() -> None:
    body = "cat <<EOF > /tmp/x\nfi done esac ' \"\nEOF\necho next"
    assert commands(body) == ["cat <<EOF > /tmp/x\nfi done esac ' \"\nEOF", "echo next"]


def test_heredoc_with_dash_and_quoted_delimiter() -> None:
    body = "cat <<-'END'\n\t$(not run)\n\tEND\necho next"
    assert commands(body) == ["cat <<-'END'\n\t$(not run)\n\tEND", "echo next"]


def test_if_fi() -> None:
    body = 'if [ -n "$X" ]; then\n  echo yes\n  # note\nelse\n  echo no\nfi\necho next'
    assert commands(body) == [
        'if [ -n "$X" ]; then\n  echo yes\n  # note\nelse\n  echo no\nfi',
        "echo next",
    ]


def test_for_done() -> None:
    body = "for i in {1..5}; do\n  curl -s http://x/$i\ndone\necho next"
    assert commands(body) == ["for i in {1..5}; do\n  curl -s http://x/$i\ndone", "echo next"]


def test_while_done() -> None:
    body = 'while read -r line\ndo\n  echo "$line"\ndone < f\necho next'
    assert commands(body) == ['while read -r line\ndo\n  echo "$line"\ndone < f', "echo next"]


def test_case_esac() -> None:
    body = (
        'case "$1" in\n  start) run ;;\n  stop|halt) halt ;;\n  *) echo usage ;;\nesac\necho next'
    )
    assert commands(body)[1] == "echo next" and commands(body)[0].endswith("esac")


def test_braces() -> None:
    body = "{\n  echo a\n  echo b\n} > out.txt\necho next"
    assert commands(body) == ["{\n  echo a\n  echo b\n} > out.txt", "echo next"]


def test_subshell_parentheses() -> None:
    body = "(\n  cd /tmp\n  ls\n)\necho next"
    assert commands(body) == ["(\n  cd /tmp\n  ls\n)", "echo next"]


def test_arithmetic_is_not_a_subshell() -> None:
    body = "echo $(( $(date +%s) - 5 ))\necho next"
    assert commands(body) == ["echo $(( $(date +%s) - 5 ))", "echo next"]


def test_comments_above_are_descriptions() -> None:
    steps = section("# Check process\n# (the node one)\nps aux\n\n# orphan comment\n\nls").steps
    assert steps[0].description == "Check process (the node one)"
    assert steps[1].description is None


def test_or_comment_marks_an_alternative() -> None:
    steps = section("ps aux | grep node\n# or\nGet-Process -Name node\n# or use top\ntop").steps
    assert [s.alternative_of for s in steps] == [None, 0, 0]
    assert steps[2].description == "use top"


def test_sql_lines_in_a_bash_block_become_sql_steps() -> None:
    steps = section("echo before\nSELECT count(*)\nFROM pg_stat_activity;\necho after").steps
    assert [s.kind for s in steps] == [StepKind.SHELL, StepKind.SQL, StepKind.SHELL]
    assert steps[1].command == "SELECT count(*)\nFROM pg_stat_activity"
    assert steps[1].line == 7


def test_blocks_without_language_are_text() -> None:
    sec = section("INCIDENT: [name]\nrm -rf /", language="")
    assert [s.kind for s in sec.steps] == [StepKind.TEXT]
    assert not sec.steps[0].kind.runnable


def test_comment_only_block_is_one_text_step() -> None:
    sec = section("# Test database connectivity\n# Test external API calls")
    assert [s.kind for s in sec.steps] == [StepKind.TEXT]


def test_sql_blocks_split_on_semicolons_outside_strings() -> None:
    body = "-- how many\nSELECT ';' AS x;\n\n-- then\nSHOW max_connections;"
    steps = section(body, "sql").steps
    assert [s.command for s in steps] == ["SELECT ';' AS x", "SHOW max_connections"]
    assert [s.description for s in steps] == ["how many", "then"]


def test_promql_and_http_blocks() -> None:
    assert commands("# error rate\nrate(x[5m])\n\nup", "promql") == ["rate(x[5m])", "up"]
    http = section(
        "GET http://127.0.0.1/health\nAccept: application/json\n\n###\n"
        'POST http://127.0.0.1/x\n\n{"a": 1}',
        "http",
    ).steps
    assert [s.kind for s in http] == [StepKind.HTTP, StepKind.HTTP]
    assert http[1].command == 'POST http://127.0.0.1/x\n\n{"a": 1}'


def test_console_blocks_keep_prompts_drop_output() -> None:
    assert commands("$ uptime\n 10:00 up 3 days\n$ df -h", "console") == ["uptime", "df -h"]


def test_unterminated_command_is_an_error_with_a_line_and_the_rest_is_used() -> None:
    text = '# T\n\n## S\n\n```bash\nuptime\necho "never closed\n```\n\n## U\n\n```bash\nls\n```\n'
    runbook = parse_runbook(text, "t.md")
    assert [(e.line, "never ends" in e.message) for e in runbook.errors] == [(7, True)]
    assert [s.kind for s in runbook.sections[1].steps] == [StepKind.SHELL, StepKind.TEXT]
    assert runbook.sections[2].steps[0].command == "ls"


def test_phases_from_sub_headings_bold_labels_and_comments() -> None:
    text = (
        "# T\n\n## ServiceDown\n\n### Diagnosis\n\n```bash\nuptime\n```\n\n"
        "**Resolution Steps:**\n\n1. **Verify recovery:**\n   ```bash\n   curl x\n   ```\n\n"
        "```bash\n# Emergency measures:\nreboot\n```\n"
    )
    runbook = parse_runbook(text, "t.md")
    assert len(runbook.sections) == 2  # the phase sub-heading is not a section
    assert [s.phase for s in runbook.sections[1].steps] == ["Diagnosis", "Verify", "Mitigation"]


def test_alert_names_from_every_heading_form_and_front_matter() -> None:
    text = (
        "---\nalerts: [FileWide, 'Other']\n---\n# Title\n\n"
        "## API Service Down (`TaskSchedulerAPIDown`)\n\n"
        "## CoordinatorDown\n\n"
        "## Mixed\n\n- **Alerts:** `A1`, B2 and `C3` (severity: critical)\n\n"
        "## Plain\n\nAlert: `D4` or `E5`\n\n"
        "## Table\n\n| Alert | Runbook |\n|---|---|\n| LinkedAlert | [Plain](#plain) |\n"
    )
    runbook = parse_runbook(text, "t.md")
    alerts = {s.title: s.alerts for s in runbook.sections}
    assert alerts["Title"] == ["FileWide", "Other"]
    assert alerts["API Service Down (TaskSchedulerAPIDown)"] == ["TaskSchedulerAPIDown"]
    assert alerts["CoordinatorDown"] == ["CoordinatorDown"]
    assert alerts["Mixed"] == ["A1", "B2", "C3"]
    assert alerts["Plain"] == ["D4", "E5", "LinkedAlert"]
    assert runbook.errors == []
    assert runbook.section_by_anchor("#api-service-down-taskschedulerapidown") is not None


def test_garbage_never_raises() -> None:
    for text in ["", "```", "# \x00\x01 ðŸ“‹\n```bash\n$((\n", "---\nalerts: [\n", "\ufeff# x\r\n"]:
        runbook = parse_runbook(text, "g.md")
        assert runbook.path == "g.md"
