"""`ssh://[user@]host[:port]/path` notebook addresses, and the ssh command lines built from them (pure)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from urllib.parse import unquote


class SSHURLError(ValueError):
    """A notebook address that is not a usable ssh:// URL."""


@dataclass(frozen=True)
class SSHTarget:
    """Where a remote notebook lives: the login and the path on that machine."""

    host: str
    path: str
    user: str | None = None
    port: int | None = None

    @property
    def destination(self) -> str:
        """The `[user@]host` argument of ssh."""
        return f"{self.user}@{self.host}" if self.user else self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        user = f"{self.user}@" if self.user else ""
        return f"ssh://{user}{host}{port}{'' if self.path.startswith('/') else '/'}{self.path}"


def is_ssh_url(text: str) -> bool:
    """Whether `text` names a notebook over SSH."""
    return text.lower().startswith("ssh://")


def parse_ssh_url(url: str) -> SSHTarget:
    """Split an ssh:// URL; `/~/rel` means relative to the remote home directory."""
    if not is_ssh_url(url):
        raise SSHURLError(f"{url!r}: not an ssh:// URL")
    rest = url[len("ssh://"):]
    authority, slash, raw_path = rest.partition("/")
    if not slash or not raw_path:
        raise SSHURLError(f"{url!r}: no notebook path (ssh://host/abs/path.ipynb or ssh://host/~/path.ipynb)")
    user: str | None = None
    if "@" in authority:
        user_part, _, authority = authority.rpartition("@")
        user = unquote(user_part)
        if not user:
            raise SSHURLError(f"{url!r}: empty user name")
    host, port = _host_port(authority, url)
    path = unquote(raw_path)
    path = path if path == "~" or path.startswith("~/") else "/" + path
    if "\0" in path or path in ("/", "~", "~/"):
        raise SSHURLError(f"{url!r}: no notebook path")
    return SSHTarget(host=host, path=path, user=user, port=port)


def _host_port(authority: str, url: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        host, bracket, tail = authority[1:].partition("]")
        if not bracket:
            raise SSHURLError(f"{url!r}: unclosed [ in the host")
        port_text = tail[1:] if tail.startswith(":") else None
        if tail and port_text is None:
            raise SSHURLError(f"{url!r}: unexpected {tail!r} after the host")
    else:
        host, colon, port_text_raw = authority.partition(":")
        port_text = port_text_raw if colon else None
    if not host or host.startswith("-") or any(c.isspace() for c in host):
        raise SSHURLError(f"{url!r}: bad host name {host!r}")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SSHURLError(f"{url!r}: bad port {port_text!r}")
    return host, int(port_text)


def ssh_base(ssh_command: str, target: SSHTarget) -> list[str]:
    """The user's ssh command (split, and `~` expanded, as a shell would) plus the URL's port."""
    argv = [os.path.expanduser(a) if a.startswith("~") else a for a in shlex.split(ssh_command)]
    if not argv:
        raise SSHURLError("the ssh_command setting is empty")
    if target.port is not None:
        argv += ["-p", str(target.port)]
    return argv


def remote_start_command(remote_command: str) -> str:
    """The shell command run on the server: print the version, then make sure a daemon runs."""
    if not remote_command.strip():
        raise SSHURLError("the remote_command setting is empty")
    return f"{remote_command} --version && {remote_command} daemon start --json"


def start_argv(ssh_command: str, target: SSHTarget, remote_command: str, batch: bool) -> list[str]:
    """ssh running the remote start command (`batch`: never prompt, for reconnects)."""
    opts = _batch_options() if batch else []
    return [*ssh_base(ssh_command, target), *opts, "-T", "--", target.destination, remote_start_command(remote_command)]


def forward_argv(ssh_command: str, target: SSHTarget, local_sock: str, remote_sock: str, batch: bool) -> list[str]:
    """ssh forwarding a local Unix socket (0600) to the remote daemon's socket.

    It holds a terminal session running `sleep` rather than `-N`: OpenSSH sets
    TCP_NODELAY only on connections with a terminal, and without it Nagle's
    algorithm meets delayed ACKs and holds small frames (a keystroke) ~40 ms.
    """
    opts = [
        "-tt",
        "-o", "ExitOnForwardFailure=yes",
        "-o", "StreamLocalBindUnlink=yes",
        "-o", "StreamLocalBindMask=0177",
        "-o", "ServerAliveInterval=5",
        "-o", "ServerAliveCountMax=3",
        # A connection of its own: the link lives and dies with this process (not a mux master's).
        "-o", "ControlPath=none",
    ]
    if batch:
        opts += _batch_options()
    return [*ssh_base(ssh_command, target), *opts, "-L", f"{local_sock}:{remote_sock}", "--", target.destination,
            "sleep 2147483647"]


def _batch_options() -> list[str]:
    # A reconnect while an app owns the terminal: never prompt, and give up on a dead network soon.
    return ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]


def parse_version_line(line: str) -> str | None:
    """The version in `runt-tui X.Y.Z` (what `runt-tui --version` prints), or None."""
    parts = line.strip().split()
    if len(parts) == 2 and parts[0] == "runt-tui":
        return parts[1]
    return None


def peer_name(name: str, hostname: str) -> str:
    """A peer name carrying the machine it types on (`name@host`), unless it already names one."""
    return name if "@" in name or not hostname else f"{name}@{hostname}"
