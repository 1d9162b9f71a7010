"""Parts of ssh:// support tested alone: the URL parser, the ssh command lines, the start output, the blob cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runt_tui.client.blobcache import DiskCachedBlobs
from runt_tui.client.ssh import SSHError, parse_start_output
from runt_tui.client.sshurl import (
    SSHTarget,
    SSHURLError,
    forward_argv,
    parse_ssh_url,
    peer_name,
    remote_start_command,
    start_argv,
)


@pytest.mark.parametrize(("url", "expected"), [
    ("ssh://host/abs/nb.ipynb", SSHTarget("host", "/abs/nb.ipynb")),
    ("ssh://ann@host/abs/nb.ipynb", SSHTarget("host", "/abs/nb.ipynb", user="ann")),
    ("ssh://ann@host:2222/abs/nb.ipynb", SSHTarget("host", "/abs/nb.ipynb", user="ann", port=2222)),
    ("ssh://host/~/rel/nb.ipynb", SSHTarget("host", "~/rel/nb.ipynb")),
    ("ssh://[::1]:22/x.ipynb", SSHTarget("::1", "/x.ipynb", port=22)),
    ("ssh://[fe80::1]/x.ipynb", SSHTarget("fe80::1", "/x.ipynb")),
    ("ssh://host/with%20space/a%40b.ipynb", SSHTarget("host", "/with space/a@b.ipynb")),
    ("SSH://h/x.ipynb", SSHTarget("h", "/x.ipynb")),
    ("ssh://me%40corp@h/x.ipynb", SSHTarget("h", "/x.ipynb", user="me@corp")),
])
def test_parse_ssh_url(url: str, expected: SSHTarget) -> None:
    assert parse_ssh_url(url) == expected


@pytest.mark.parametrize("url", [
    "host/x.ipynb", "ssh://host", "ssh://host/", "ssh:///x.ipynb", "ssh://host:0/x.ipynb",
    "ssh://host:99999/x.ipynb", "ssh://host:ab/x.ipynb", "ssh://-oProxyCommand=x/x.ipynb",
    "ssh://@host/x.ipynb", "ssh://[::1/x.ipynb", "ssh://host/~", "ssh://ho st/x.ipynb",
])
def test_bad_ssh_urls_are_refused(url: str) -> None:
    with pytest.raises(SSHURLError):
        parse_ssh_url(url)


def test_round_trip_to_text() -> None:
    for url in ("ssh://ann@host:2222/abs/nb.ipynb", "ssh://host/~/rel/nb.ipynb", "ssh://[::1]:22/x.ipynb"):
        assert str(parse_ssh_url(url)) == url


def test_command_lines() -> None:
    t = SSHTarget("h", "/x.ipynb", user="ann", port=2200)
    argv = start_argv("ssh -F '/my config'", t, "~/venv/bin/runt-tui", batch=False)
    assert argv[:5] == ["ssh", "-F", "/my config", "-p", "2200"]
    assert "BatchMode=yes" not in argv  # the first connection may prompt on the terminal
    assert argv[-2:] == ["ann@h", "~/venv/bin/runt-tui --version && ~/venv/bin/runt-tui daemon start --json"]
    batch = start_argv("ssh", t, "runt-tui", batch=True)
    assert "BatchMode=yes" in batch and "ConnectTimeout=10" in batch
    fwd = forward_argv("ssh", t, "/l/a.sock", "/r/daemon.sock", batch=True)
    assert fwd[fwd.index("-L") + 1] == "/l/a.sock:/r/daemon.sock"
    for opt in ("ExitOnForwardFailure=yes", "StreamLocalBindUnlink=yes", "StreamLocalBindMask=0177", "BatchMode=yes"):
        assert opt in fwd
    # A terminal session (so OpenSSH sets TCP_NODELAY) that runs nothing but a sleep.
    assert "-tt" in fwd and fwd[-3:] == ["--", "ann@h", "sleep 2147483647"]
    home = os.path.expanduser("~")
    assert start_argv("ssh -F ~/.ssh/other", t, "runt-tui", batch=False)[:3] == ["ssh", "-F", f"{home}/.ssh/other"]
    with pytest.raises(SSHURLError):
        remote_start_command("  ")
    with pytest.raises(SSHURLError):
        start_argv("", t, "runt-tui", batch=False)


def test_peer_names_carry_the_machine() -> None:
    assert peer_name("ann", "laptop") == "ann@laptop"
    assert peer_name("ann@desk", "laptop") == "ann@desk"
    assert peer_name("ann", "") == "ann"


T = SSHTarget("srv", "/x.ipynb")
GOOD = 'runt-tui 1.2.3\n{"version": "1.2.3", "pid": 7, "socket": "/r/daemon.sock", "home": "/r"}\n'


def _parse(code: int, out: str, err: str = "") -> object:
    return parse_start_output(T, "runt-tui", "1.2.3", code, out, err)


def test_start_output_parsed() -> None:
    for out in (GOOD, "Welcome to srv!\nruntime: 3 users\n" + GOOD):  # a login banner first
        remote = _parse(0, out)
        assert remote.socket == "/r/daemon.sock" and remote.version == "1.2.3" and remote.pid == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize(("code", "out", "err", "message"), [
    (0, 'runt-tui 0.9\n{"socket": "/s"}\n', "", "version mismatch: this machine runs runt-tui 1.2.3, srv runs runt-tui 0.9"),
    (2, "runt-tui 0.9\n", "No such option: --json", "version mismatch"),
    (255, "", "ssh: connect to host srv port 22: Connection refused\n", "cannot reach srv with ssh: ssh: connect to host srv port 22: Connection refused"),
    (127, "", "sh: 1: runt-tui: not found\n", "'runt-tui' was not found on srv"),
    (0, "hello\n", "", "'runt-tui' on srv is not runt-tui: hello"),
    (255, "", "\x1b]52;c;Zm9v\x07evil\x1b[2J\n", "cannot reach srv with ssh: ]52;c;Zm9vevil[2J"),  # no controls
    (1, "runt-tui 1.2.3\n", "runt-tui: the daemon did not start; see log\n", "the daemon on srv did not start: runt-tui: the daemon did not start"),
    (0, "runt-tui 1.2.3\nnot json\n", "", "did not start"),
])
def test_start_output_errors_say_what_went_wrong(code: int, out: str, err: str, message: str) -> None:
    with pytest.raises(SSHError) as e:
        _parse(code, out, err)
    assert message in str(e.value)


def test_blob_cache_on_disk(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    digest = DiskCachedBlobs(root).put(b"picture")
    fresh = DiskCachedBlobs(root)  # another session on this machine
    assert digest in fresh and fresh.get(digest) == b"picture"
    other = DiskCachedBlobs(root).put(b"other")
    (root / other[:2] / other).write_bytes(b"damaged")
    assert DiskCachedBlobs(root).get(other) is None and other not in DiskCachedBlobs(root)
    assert DiskCachedBlobs(root).get("not-a-digest") is None
