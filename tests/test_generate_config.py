"""Settings precedence, the config file shared with the KiCad plugin, and key hygiene."""
from __future__ import annotations

import os
import stat

import pytest

from tokn.generate.config import (ConfigError, NO_KEY, Settings, load_settings, read_api_key, read_config_file,
                                  redact, save_api_key, save_config)


def test_precedence_override_env_file_default(tmp_path):
    cfg = tmp_path / "config.toml"
    save_config({"base_url": "http://file:1/v1", "model": "file-model", "fewshot_k": 3}, str(cfg))
    env = {"OPENAI_BASE_URL": "http://env:2/v1"}
    s = load_settings(str(cfg), environ=env)
    assert (s.base_url, s.model, s.fewshot_k) == ("http://env:2/v1", "file-model", 3)
    s = load_settings(str(cfg), environ=env, model="cli-model", base_url=None)
    assert (s.base_url, s.model) == ("http://env:2/v1", "cli-model")
    s = load_settings(str(tmp_path / "missing.toml"), environ={})
    assert s.base_url == "https://api.openai.com/v1" and s.model == Settings().model


def test_config_file_round_trip_and_validation(tmp_path):
    cfg = str(tmp_path / "sub" / "config.toml")
    save_config({"grammar_mode": "gbnf", "timeout": 30, "corpus": ["/a.jsonl"], "grounding": False}, cfg)
    assert read_config_file(cfg) == {"grammar_mode": "gbnf", "timeout": 30, "corpus": ["/a.jsonl"],
                                     "grounding": False}
    with pytest.raises(ConfigError, match="grammar_mode"):
        save_config({"grammar_mode": "bogus"}, cfg)
    with open(cfg, "a") as f:
        f.write("colour = 3\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        read_config_file(cfg)


def test_config_file_refuses_keys(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[llm]\napi_key = "sk-secret"\n')
    with pytest.raises(ConfigError, match="must not hold api_key"):
        read_config_file(str(cfg))
    with pytest.raises(ConfigError):
        save_config({"api_key": "sk-x"}, str(tmp_path / "other.toml"))


def test_key_file_is_private(tmp_path):
    key = tmp_path / "api_key"
    save_api_key("sk-test-0123456789abcdef", str(key))
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert read_api_key(str(key)) == "sk-test-0123456789abcdef"
    os.chmod(key, 0o644)
    with pytest.warns(UserWarning, match="readable by other users"):
        assert read_api_key(str(key)) == ""


def test_key_file_saved_where_os_has_no_fchmod(tmp_path, monkeypatch):
    """Windows' Python before 3.13 has no os.fchmod: saving the key must still work."""
    monkeypatch.delattr(os, "fchmod")
    key = tmp_path / "api_key"
    key.write_text("old\n")
    os.chmod(key, 0o644)
    save_api_key("sk-no-fchmod-123456", str(key))
    assert read_api_key(str(key)) == "sk-no-fchmod-123456"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_key_from_env_beats_key_file(tmp_path):
    cfg = tmp_path / "config.toml"
    save_api_key("sk-from-file-123456", str(tmp_path / "api_key"))
    assert load_settings(str(cfg), environ={}).api_key == "sk-from-file-123456"
    assert load_settings(str(cfg), environ={"OPENAI_API_KEY": "sk-env-987654"}).api_key == "sk-env-987654"


def test_key_never_shown():
    s = Settings(api_key="sk-very-secret-key-0001")
    assert "sk-very-secret" not in repr(s)
    assert "sk-very-secret" not in str(s.public_dict())
    assert s.public_dict()["api_key_set"] is True
    assert redact("Bearer sk-very-secret-key-0001 failed", s.api_key) == "Bearer *** failed"
    assert "abcdefgh12345" not in redact("header: Bearer abcdefgh12345678")


def test_keyless_local_servers_get_a_placeholder():
    assert Settings(base_url="http://127.0.0.1:8080/v1").effective_api_key() == NO_KEY
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        Settings().effective_api_key()


@pytest.mark.parametrize("bad", [{"base_url": "ftp://x"}, {"max_rounds": 0}, {"erc": "maybe"}, {"timeout": 0}])
def test_bad_settings(bad):
    with pytest.raises(ConfigError):
        Settings(**bad)
