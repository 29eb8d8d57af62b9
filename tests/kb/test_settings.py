"""Settings: defaults, environment variables, overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.settings import SettingsError, default_index_dir, load_settings


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VKB_INDEX", str(tmp_path / "x"))
    monkeypatch.setenv("VKB_CHUNK_TOKENS", "128")
    settings = load_settings()
    assert settings.index == tmp_path / "x"
    assert settings.chunk_tokens == 128


def test_cli_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VKB_CHUNK_TOKENS", "128")
    settings = load_settings(chunk_tokens=64, index=tmp_path / "y", model=None)
    assert settings.chunk_tokens == 64 and settings.index == tmp_path / "y"


def test_default_index_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VKB_INDEX")
    assert load_settings().index == default_index_dir()
    assert "vkb" in str(default_index_dir())


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [({"chunk_tokens": 4}, "chunk_tokens"), ({"language": "de"}, "language"), ({"colour": "red"}, "unknown")],
)
def test_bad_values_raise_settings_error(overrides: dict, fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        load_settings(**overrides)


def test_bad_environment_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VKB_BATCH_SIZE", "many")
    with pytest.raises(SettingsError, match="VKB_"):
        load_settings()
