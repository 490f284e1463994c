"""Values nobody listed: generated text through nested quoting levels, really run in bash.

Whatever the value, the rendered step either is refused with a one-line reason or prints the
value back byte for byte, with no marker file created (hypothesis picks the values).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.runbooks import sandbox
from tests.runbooks.helpers import step
from warroom.domain.placeholders import UnsafeValue, render_step

PIECES = st.sampled_from(
    [
        *"abz09 '\"`$(){}[];&|<>\\!#*?~=%+,.-/:@^\n\t",
        *("$(touch {m})", "`touch {m}`", "EOF", "${IFS}", "$'\\x27'", "\\'", "'\"'\"'"),
    ]
)
VALUES = st.lists(PIECES, min_size=1, max_size=10).map("".join)
TEMPLATES = [
    "printf '%s\\n' <v>",
    "bash -c \"printf '%s\\n' <v>\"",
    'ssh bastion "kubectl exec api-0 -- sh -c \'printf \\"%s\\\\n\\" <v>\'"',
    "eval \"printf '%s\\n' <v>\"",
    'echo go | xargs sh -c \'printf "%s\\n" "<v>"\'',
    "bash <<EOF\nprintf '%s\\n' <v>\nEOF",
]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=VALUES, template=st.sampled_from(TEMPLATES))
def test_any_value_is_refused_or_printed_back(tmp_path: Path, value: str, template: str) -> None:
    root = tmp_path / f"box{abs(hash((value, template)))}"
    box = sandbox.build(root)
    value = value.replace("{m}", str(box.marker))
    try:
        rendered = render_step(step(template), {"v": value})
    except UnsafeValue as exc:
        assert "\n" not in str(exc) and exc.value == value
        return
    proc = box.run(rendered.command)
    assert not box.marker.exists(), rendered.command
    assert proc.stdout == value + "\n", (rendered.command, proc.stderr)
