"""The browser check's set-up (tools/browser_check.py), without a browser: it installs
nothing unasked, and JupyterLab's token never appears on the server's command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_chromium(tmp_path, monkeypatch):
    """Chromium missing, and a record of every command the check would run."""
    monkeypatch.setattr(browser_check, "CHROMIUM", tmp_path / "no-chromium")
    ran: list[list[str]] = []
    monkeypatch.setattr(subprocess, "check_call", lambda cmd, **kw: ran.append(cmd) or 0)
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: ran.append(cmd) or 0)
    return ran


def test_without_a_terminal_it_says_what_to_install_and_stops(no_chromium):
    with pytest.raises(SystemExit) as stop:
        browser_check.ensure_chromium(stdin=io.StringIO("y\n"))  # not a terminal
    assert stop.value.code not in (0, None)
    assert "apt-get install -y --no-install-recommends chromium" in str(stop.value.code)
    assert no_chromium == [], "nothing may be installed without asking"


def test_in_a_terminal_it_installs_only_when_the_answer_is_yes(no_chromium, capsys):
    with pytest.raises(SystemExit) as stop:
        browser_check.ensure_chromium(stdin=_Terminal("\n"))  # the default answer is no
    assert stop.value.code not in (0, None)
    assert "[y/N]" in capsys.readouterr().out
    assert no_chromium == []
    browser_check.ensure_chromium(stdin=_Terminal("y\n"))
    assert [cmd[cmd.index("apt-get"):] for cmd in no_chromium] == [
        ["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]]


def test_nothing_happens_when_chromium_is_there(tmp_path, monkeypatch):
    present = tmp_path / "chromium"
    present.touch()
    monkeypatch.setattr(browser_check, "CHROMIUM", present)
    browser_check.ensure_chromium(stdin=io.StringIO(""))


def test_the_token_goes_to_the_environment_not_the_command_line():
    token = "0123456789abcdef0123456789abcdef"
    args, env = browser_check.server_command(8123, token, Path("/scratch"), {"PATH": "/usr/bin"})
    assert not any(token in arg for arg in args), args
    assert not any("token" in arg.lower() for arg in args), args
    assert env["JUPYTER_TOKEN"] == token
    assert "--ServerApp.ip=127.0.0.1" in args and "--port=8123" in args
    assert str(ROOT / ".jupyter") in env["JUPYTER_CONFIG_PATH"]  # the course's settings
