"""Endpoint and generation settings, shared by ``tokn generate``, ``tokn bench`` and the KiCad plugin.

Where a setting comes from (first match wins):

1. an explicit argument (CLI option, or a field set on :class:`Settings` by the caller);
2. the environment: ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``TOKN_MODEL`` (the openai
   client's own conventions, plus a model variable the client does not define);
3. the config file ``config.toml`` in the user config directory
   (``platformdirs.user_config_dir("tokn")``, or ``$TOKN_CONFIG_DIR``; ``$TOKN_CONFIG`` names
   the file itself), table ``[llm]``::

       [llm]
       base_url = "http://127.0.0.1:8080/v1"
       model = "qwen2.5-coder"
       grammar_mode = "auto"        # auto | json | gbnf | vllm | vllm-legacy | none
       timeout = 120
       max_rounds = 3
       fewshot_k = 1

4. the defaults of :class:`Settings`.

The API key is never read from the config file.  It comes from the explicit argument,
``OPENAI_API_KEY``, or the key file ``api_key`` beside the config file, which must be
readable by its owner only (mode 0600; a key file that others can read is ignored with a
warning, as ssh does).  :func:`save_api_key` writes it that way.  ``repr(settings)`` and
:meth:`Settings.public_dict` never show the key; :func:`redact` removes it from any text.
"""
from __future__ import annotations

import dataclasses
import os
import re
import stat
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

CONFIG_FILE = "config.toml"
KEY_FILE = "api_key"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
GRAMMAR_MODES = ("auto", "json", "gbnf", "vllm", "vllm-legacy", "none")
ERC_MODES = ("auto", "on", "off")
#: Placeholder key for servers that need none (llama.cpp, Ollama, vLLM without --api-key):
#: the openai client refuses to start without some key.
NO_KEY = "sk-no-key-required"


@dataclass
class Settings:
    """Everything one generation request needs besides the prompt.

    Fields are the settings file's keys.  ``api_key`` is excluded from ``repr`` and from
    :meth:`public_dict`; never log it.
    """
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    api_key: str = field(default="", repr=False)
    grammar_mode: str = "auto"        # auto | json | gbnf | vllm | vllm-legacy | none
    timeout: float = 120.0            # seconds without progress before a request is abandoned
    connect_timeout: float = 10.0
    max_retries: int = 4              # retries of one request on 429/5xx/dropped connections
    max_rounds: int = 3               # LLM calls per prompt (first answer + repairs)
    fewshot_k: int = 1                # examples put in the prompt (chosen by measurement: docs/generate.md)
    grounding: bool = True            # put the named parts' real pin tables in the prompt
    corpus: list[str] = field(default_factory=list)   # user JSONL corpora (tokn encode --format jsonl)
    use_bundled: bool = True          # the bundled few-shot examples
    temperature: float = 0.2
    seed: int | None = None
    max_tokens: int = 4096
    stream: bool = True
    erc: str = "auto"                 # auto (when kicad-cli is present) | on | off

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise :class:`ConfigError` for an out-of-range setting."""
        if self.grammar_mode not in GRAMMAR_MODES:
            raise ConfigError(f"grammar_mode must be one of {', '.join(GRAMMAR_MODES)}, not {self.grammar_mode!r}")
        if self.erc not in ERC_MODES:
            raise ConfigError(f"erc must be one of {', '.join(ERC_MODES)}, not {self.erc!r}")
        if not re.match(r"^https?://", self.base_url or ""):
            raise ConfigError(f"base_url must start with http:// or https://, not {self.base_url!r}")
        for name, lo in (("timeout", 0.001), ("connect_timeout", 0.001), ("max_retries", 0),
                         ("max_rounds", 1), ("fewshot_k", 0), ("max_tokens", 1)):
            if getattr(self, name) < lo:
                raise ConfigError(f"{name} must be at least {lo}, not {getattr(self, name)!r}")

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def public_dict(self) -> dict[str, Any]:
        """The settings without the key (for logs, bench reports and the config file)."""
        d = dataclasses.asdict(self)
        d.pop("api_key")
        d["api_key_set"] = bool(self.api_key and self.api_key != NO_KEY)
        return d

    def effective_api_key(self) -> str:
        """The key to send: the configured one, else a placeholder that keyless local
        servers accept.  Raises :class:`ConfigError` for api.openai.com without a key."""
        if self.api_key:
            return self.api_key
        if "api.openai.com" in self.base_url:
            raise ConfigError("no API key for api.openai.com: set OPENAI_API_KEY or write the key "
                              f"to {key_path()} (mode 0600)")
        return NO_KEY


# ---- files ---------------------------------------------------------------------------------

def config_dir() -> str:
    """The user config directory of tokn (``$TOKN_CONFIG_DIR`` overrides)."""
    d = os.environ.get("TOKN_CONFIG_DIR")
    if d:
        return d
    import platformdirs
    return platformdirs.user_config_dir("tokn", appauthor=False)


def config_path() -> str:
    return os.environ.get("TOKN_CONFIG") or os.path.join(config_dir(), CONFIG_FILE)


def key_path() -> str:
    return os.path.join(os.path.dirname(config_path()), KEY_FILE)


_FILE_KEYS = {f.name for f in dataclasses.fields(Settings)} - {"api_key"}


def read_config_file(path: str | None = None) -> dict[str, Any]:
    """The ``[llm]`` table of the config file (``{}`` when there is none).

    Raises :class:`ConfigError` for unreadable TOML, unknown keys, an ``api_key`` entry (keys
    belong in the key file) or values of the wrong type.
    """
    path = path or config_path()
    if not os.path.exists(path):
        return {}
    try:
        with open(path, "rb") as f:
            data = _load_toml(f.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"cannot read the config file: {e}", path) from None
    llm = data.get("llm", {})
    if not isinstance(llm, dict):
        raise ConfigError("[llm] must be a table", path)
    if "api_key" in llm:
        raise ConfigError(f"the config file must not hold api_key; put the key in {key_path()} "
                          "(mode 0600) or in OPENAI_API_KEY", path)
    unknown = sorted(set(llm) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [llm]: {', '.join(unknown)}", path)
    defaults = Settings()
    for k, v in llm.items():
        want = type(getattr(defaults, k))
        if k == "seed":
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif want is float:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        elif want is list:
            ok = isinstance(v, list) and all(isinstance(x, str) for x in v)
        else:
            ok = isinstance(v, want) and not (want is int and isinstance(v, bool))
        if not ok:
            raise ConfigError(f"[llm] {k} = {v!r} has the wrong type (expected {want.__name__})", path)
    return dict(llm)


def save_config(values: dict[str, Any], path: str | None = None) -> str:
    """Merge ``values`` into the ``[llm]`` table of the config file and write it; returns its path.

    Used by the KiCad plugin's settings dialog.  ``api_key`` is refused (use :func:`save_api_key`).
    """
    if "api_key" in values:
        raise ConfigError("save_config does not store keys; use save_api_key()")
    path = path or config_path()
    current = read_config_file(path)
    current.update({k: v for k, v in values.items() if v is not None})
    unknown = sorted(set(current) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    Settings(**current)                         # validates values
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    lines = ["# tokn settings (shared by `tokn generate` and the KiCad plugin).",
             "# The API key is not stored here: see OPENAI_API_KEY or the api_key file.", "", "[llm]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in sorted(current.items())]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def save_api_key(key: str, path: str | None = None) -> str:
    """Write ``key`` to the key file, readable by its owner only (0600); returns the path."""
    key = key.strip()
    if not key or "\n" in key:
        raise ConfigError("an API key is one non-empty line")
    path = path or key_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # os.fchmod is missing on Windows before Python 3.13 (and Windows has no group or
        # other bits to clear: the user's profile folder is private there).
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)       # O_CREAT's mode is cut by the umask and spares an old file
        os.write(fd, (key + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    if not hasattr(os, "fchmod"):
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def read_api_key(path: str | None = None) -> str:
    """The key in the key file, or "" when there is none or it is readable by others."""
    path = path or key_path()
    try:
        st = os.stat(path)
    except OSError:
        return ""
    if sys.platform != "win32" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(f"ignoring {path}: it is readable by other users (run chmod 600 on it)",
                      stacklevel=2)
        return ""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def load_settings(config_file: str | None = None, environ: dict[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Settings from overrides > environment > config file > defaults (see the module doc).

    ``overrides`` with value None are ignored, so CLI options can be passed through as they are.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = read_config_file(config_file)
    if env.get("OPENAI_BASE_URL"):
        values["base_url"] = env["OPENAI_BASE_URL"]
    if env.get("TOKN_MODEL"):
        values["model"] = env["TOKN_MODEL"]
    values.update({k: v for k, v in overrides.items() if v is not None and k != "api_key"})
    key = overrides.get("api_key") or env.get("OPENAI_API_KEY", "") or read_api_key(
        os.path.join(os.path.dirname(config_file), KEY_FILE) if config_file else None)
    values["base_url"] = str(values.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    return Settings(api_key=key, **values)


def redact(text: str, *secrets: str) -> str:
    """``text`` with every secret (and anything that looks like a bearer key) masked."""
    for s in secrets:
        if s and s != NO_KEY and len(s) >= 4:
            text = text.replace(s, "***")
    return re.sub(r"(?i)(bearer\s+|sk-)[A-Za-z0-9_\-]{8,}", r"\1***", text)


# ---- a small TOML subset -----------------------------------------------------------------

def _load_toml(text: str) -> dict[str, Any]:
    try:
        import tomllib                      # Python 3.11+
        return tomllib.loads(text)
    except ImportError:
        pass
    try:
        import tomli                        # type: ignore[import-not-found]
        return tomli.loads(text)
    except ImportError:
        return _mini_toml(text)


_TOML_LINE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$')


def _mini_toml(text: str) -> dict[str, Any]:
    """Tables and ``key = value`` lines with strings, numbers, booleans and string lists:
    what :func:`save_config` writes (for Python 3.10 without tomli)."""
    import json
    out: dict[str, Any] = {}
    table = out
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            table = out.setdefault(line[1:-1].strip(), {})
            continue
        m = _TOML_LINE.match(line)
        if not m:
            raise ValueError(f"line {n}: cannot read {raw!r}")
        v = m.group(2)
        if v in ("true", "false"):
            table[m.group(1)] = v == "true"
        else:
            try:
                table[m.group(1)] = json.loads(v)
            except ValueError:
                raise ValueError(f"line {n}: cannot read the value {v!r}") from None
    return out


def _toml_value(v: Any) -> str:
    import json
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(json.dumps(str(x)) for x in v) + "]"
    return json.dumps(str(v))
