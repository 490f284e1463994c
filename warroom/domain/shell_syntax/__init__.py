"""Just enough bash syntax to split runbook blocks into commands and place values safely.

`scan` tracks quoting, substitutions, arithmetic, heredocs and compound statements;
`commands` cuts text into simple commands and finds the heredoc a value sits in. Pure: no IO.
"""

from warroom.domain.shell_syntax.commands import (
    closing,
    command_parts,
    heredoc_at,
    plain_words,
    split_simple_commands,
    strip_heredocs,
)
from warroom.domain.shell_syntax.programs import wrapper_options
from warroom.domain.shell_syntax.scan import (
    ARITH,
    BACKTICK,
    DOUBLE,
    HEREDOC,
    HEREDOC_QUOTED,
    OTHER,
    PLAIN,
    SINGLE,
    ScanResult,
    is_complete,
    scan,
)

__all__ = [
    "ARITH",
    "BACKTICK",
    "DOUBLE",
    "HEREDOC",
    "HEREDOC_QUOTED",
    "OTHER",
    "PLAIN",
    "SINGLE",
    "ScanResult",
    "closing",
    "command_parts",
    "heredoc_at",
    "is_complete",
    "plain_words",
    "scan",
    "split_simple_commands",
    "strip_heredocs",
    "wrapper_options",
]
