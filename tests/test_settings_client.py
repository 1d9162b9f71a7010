"""The app's own settings in the config file (`keys = "vi"`), which the daemon's settings ignore."""

from __future__ import annotations

from pathlib import Path

import pytest

from runt_tui.settings import client_settings, load_settings


def test_keys_at_the_top_level_or_under_tui(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('keys = "vi"\nsave_delay = 2.5\n')
    assert client_settings(config) == {"keys": "vi"}
    assert load_settings(config).save_delay == 2.5  # the daemon reads the same file, without `keys`
    config.write_text('[daemon]\nsave_delay = 3\n[tui]\nkeys = "vi"\n')
    assert client_settings(config) == {"keys": "vi"}
    assert load_settings(config).save_delay == 3
    config.write_text("save_delay = 1\n")
    assert client_settings(config) == {}
    assert client_settings(tmp_path / "missing.toml") == {}


def test_a_bad_keys_value_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('keys = "emacs"\n')
    with pytest.raises(ValueError, match="keys must be default or vi, not 'emacs'"):
        client_settings(config)
    config.write_text("keys = [")
    with pytest.raises(ValueError, match=r"config\.toml"):
        client_settings(config)
    config.write_text('bogus = 1\nkeys = "vi"\n')
    with pytest.raises(ValueError, match="unknown setting"):
        load_settings(config)  # unknown keys are still refused by the daemon
