"""httpx comes without its command-line tool (see warroom.sources.http)."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_imports_without_its_command_line_tool_and_still_works() -> None:
    code = (
        "import sys, warroom.sources.http, httpx\n"
        "assert sys.modules.get('httpx._main') is None, 'the CLI module was imported'\n"
        "assert 'pygments' not in sys.modules\n"
        "httpx.Client(base_url='http://127.0.0.1:9').close()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
