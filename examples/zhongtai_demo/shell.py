"""Running the real ``zhongtai`` CLI, the way a user would.

* :func:`run` invokes the CLI's own click command in this process -- the very
  code behind the console script, without paying a Python start-up per
  command (the set-up runs dozens of them).
* :func:`run_console_script` runs the installed ``zhongtai`` executable in a
  subprocess, to show that the console script a user types works against the
  same registry.

Both read the registry from ``$ZHONGTAI_DATABASE_URL`` (set once by the demo),
so the commands shown are exactly what a user would type after exporting it.
A failing command raises :class:`DemoError` with the command and its error line.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from zhongtai_demo.errors import DemoError


def shown(argv: Sequence[str]) -> str:
    return f"zhongtai {shlex.join(argv)}"


def run(argv: Sequence[str]) -> str:
    """Run ``zhongtai ARGV`` in this process; return what it printed (stdout)."""
    import click

    from zhongtai.core.cli.main import cli

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            # without standalone mode, click returns a command's ctx.exit(code) as the value
            status = cli.main(args=list(argv), prog_name="zhongtai", standalone_mode=False)
    except click.ClickException as exc:
        raise DemoError(f"`{shown(argv)}` failed: {exc.format_message()}") from None
    except click.exceptions.Abort:
        raise DemoError(f"`{shown(argv)}` was aborted") from None
    if isinstance(status, int) and not isinstance(status, bool) and status != 0:
        raise DemoError(f"`{shown(argv)}` exited with {status}: {_last_line(err, out)}")
    return out.getvalue()


def _last_line(*streams: io.StringIO) -> str:
    for stream in streams:
        lines = [line for line in stream.getvalue().splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


def console_script() -> Path:
    """The installed ``zhongtai`` executable next to this Python (the virtual environment's)."""
    script = Path(sys.executable).parent / ("zhongtai.exe" if os.name == "nt" else "zhongtai")
    if not script.exists():
        raise DemoError(f"the zhongtai console script is not installed next to {sys.executable} "
                        "(pip install -e core)")
    return script


def run_console_script(argv: Sequence[str], *, timeout: float = 60.0) -> str:
    """Run the ``zhongtai`` console script with *argv*; return its stdout."""
    try:
        done = subprocess.run([str(console_script()), *argv], capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise DemoError(f"`{shown(argv)}` did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        error = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise DemoError(f"`{shown(argv)}` exited with {done.returncode}: {error}")
    return done.stdout


def available(command: str) -> bool:
    """Whether ``zhongtai COMMAND`` exists and loads (a package still landing may not provide it yet)."""
    import click

    from zhongtai.core.cli.main import cli

    found = cli.get_command(click.Context(cli), command)
    return found is not None and not (found.help or "").startswith("(unavailable")
