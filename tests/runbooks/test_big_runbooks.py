"""Parsing stays linear in the page's size: steps are capped, and what the shell scanner reads is
counted (no wall clock here; `benchmarks/bench_runbook_parse.py` times it)."""

from __future__ import annotations

from warroom.domain.runbook_parse import MAX_STEP_CHARS, parse_runbook_full
from warroom.domain.runbook_parse.blocks import MAX_NESTING
from warroom.domain.runbook_parse.drafts import MAX_INLINE_STEPS, MAX_STEP_LINES
from warroom.domain.runbooks import StepKind

FIVE_MB = 5 * 1024 * 1024
ONE_MB = (
    1024 * 1024
)  # pages of many steps: linear, but a real parse of each (keeps the suite quick)


def test_a_five_megabyte_one_line_step_is_capped_and_never_scanned() -> None:
    text = "# BigStepFiring\n\n## Mitigation\n\n```bash\necho " + "x" * FIVE_MB + "\n```\n"
    result = parse_runbook_full(text, "big.md")
    (section,) = result.runbook.sections
    (step,) = section.steps
    assert step.kind is StepKind.TEXT and len(step.command) <= MAX_STEP_CHARS + 2
    assert result.counters.capped_steps == 1
    assert result.counters.scanned_chars == 0
    assert [e.line for e in result.runbook.errors] == [6]
    assert "longer than" in result.runbook.errors[0].message


def test_a_page_of_ordinary_blocks_reads_each_line_about_once() -> None:
    block = "## Phase\n\nRun this:\n\n```bash\nkubectl get pods -n shop\nNS=shop\nkubectl -n $NS get deploy\n```\n\n"
    text = "# BigPageDown\n\n" + block * (ONE_MB // len(block))
    result = parse_runbook_full(text, "big.md")
    (section,) = result.runbook.sections
    blocks = ONE_MB // len(block)
    assert len(section.steps) == 2 * blocks  # one command, one two-line script per block
    assert len(section.phases) == blocks
    assert result.counters.scanned_chars <= 2 * len(text)


def test_an_unclosed_quote_is_cut_into_one_capped_text_step() -> None:
    text = "# QuoteFiring\n\n```bash\necho '\n" + "more text\n" * (FIVE_MB // 10) + "```\n"
    result = parse_runbook_full(text, "big.md")
    steps = result.runbook.sections[0].steps
    assert [s.kind for s in steps] == [StepKind.TEXT]
    assert result.counters.capped_steps == 1
    # the scanner re-reads the open step once per line, up to the step cap, then stops
    assert result.counters.scanned_chars <= MAX_STEP_LINES * MAX_STEP_CHARS


def test_a_five_megabyte_inline_code_and_heading_are_not_steps() -> None:
    text = "# " + "H" * FIVE_MB + "\n\nCheck `kubectl get " + "a" * FIVE_MB + "`.\n"
    result = parse_runbook_full(text, "big.md")
    assert [s for sec in result.runbook.sections for s in sec.steps] == []
    assert result.named_alerts == []


def test_a_huge_untagged_line_is_judged_by_its_head_and_capped() -> None:
    """An untagged block whose one line is a 5 MB command: a capped text step with its issue;
    the same size of prose stays text with no issue (it was never a command)."""
    command = "# BigStepFiring\n\n```\nkubectl get pods " + "x" * FIVE_MB + "\n```\n"
    prose = "# BigStepFiring\n\n```\nNAME READY " + "x" * FIVE_MB + "\n```\n"
    capped = parse_runbook_full(command, "big.md")
    (step,) = capped.runbook.sections[0].steps
    assert step.kind is StepKind.TEXT and step.command.endswith("\n…")
    assert capped.counters.capped_steps == 1 and capped.counters.scanned_chars == 0
    assert [e.line for e in capped.runbook.errors] == [4]
    shown = parse_runbook_full(prose, "big.md")
    assert [s.kind for s in shown.runbook.sections[0].steps] == [StepKind.TEXT]
    assert shown.runbook.errors == [] and shown.counters.capped_steps == 0


def _shapes() -> dict[str, str]:
    """Pages of one shape each, about 1 MB: deep lists and quotes, many small sections, a
    table, a paragraph of stray backticks."""
    nest = "".join("  " * d + "- > item `ls -la` text\n" for d in range(60))
    units = {
        "lists nested 60 deep": nest,
        "quotes nested 100 deep": ">" * 100 + " `kubectl get pods`\n",
        "alert headings with phases": "## KubePodCrashLooping\n\n### Diagnosis\n\ntext\n\n",
        "a table": "| KubePodCrashLooping | [go](#x) | `kubectl get pods` |\n",
        "stray backticks": "a ` b `` c ``` d \\` e <x`y> ",
    }
    head = {"a table": "| Alert | Link | Check |\n|---|---|---|\n"}
    return {
        name: head.get(name, "# DeepNestFiring\n\n") + unit * (ONE_MB // len(unit))
        for name, unit in units.items()
    }


def test_the_block_scanner_looks_at_each_line_a_bounded_number_of_times() -> None:
    """Whatever the shape, a line is looked at once per container open around it, and at
    most `MAX_NESTING` containers are ever open: linear in the page, never quadratic."""
    for name, text in _shapes().items():
        counters = parse_runbook_full(text, "big.md").counters
        lines = text.count("\n") + 1
        assert counters.block_looks <= (MAX_NESTING + 2) * lines, name
        backticks = text.count("`") + text.count("\\") + text.count("<")
        assert counters.span_looks <= backticks + lines, name


def test_a_block_longer_than_a_step_is_one_text_step_said_once() -> None:
    commands = "# BigBlockFiring\n\n```bash\n" + "kubectl get pods -n shop\n" * 10_000 + "```\n"
    result = parse_runbook_full(commands, "big.md")
    (step,) = result.runbook.sections[0].steps
    assert step.kind is StepKind.TEXT and step.command.endswith("\n…")
    assert len(step.command) <= MAX_STEP_CHARS + 2
    assert result.counters.scanned_chars == 0 and result.counters.capped_steps == 1
    ((issue),) = result.runbook.errors
    assert issue.line == 4 and f"block longer than {MAX_STEP_CHARS}" in issue.message
    output = "# BigBlockFiring\n\n```\n" + "NAME   READY   STATUS\n" * 10_000 + "```\n"
    shown = parse_runbook_full(output, "big.md")
    assert [s.kind for s in shown.runbook.sections[0].steps] == [StepKind.TEXT]
    assert shown.runbook.errors == []


def test_prose_naming_thousands_of_commands_gives_the_first_few_hundred() -> None:
    text = "# ProseFiring\n\n" + "Check `kubectl get pods -n a` then. " * 2_000 + "\n"
    result = parse_runbook_full(text, "big.md")
    steps = result.runbook.sections[0].steps
    assert len(steps) == MAX_INLINE_STEPS and all(s.inline for s in steps)
    ((issue),) = result.runbook.errors
    assert f"over {MAX_INLINE_STEPS} commands in prose" in issue.message
