"""Find the TOKN document inside an LLM answer (the lenient front door of the strict parser).

:func:`extract_tokn` forgives what LLMs get sloppy but leave unambiguous, and nothing else:

* the model's reasoning before the answer (``<think> ... </think>``,
  :func:`tokn.doc.reasoning.skip_reasoning`), which may hold a draft of the document;
* a byte-order mark, ``\\r\\n`` or lone ``\\r`` line ends, trailing spaces and tabs on lines,
  a missing final line end, blank lines before and after the document;
* markdown code fences around the document (```` ```tokn ````, ```` ``` ````, ``~~~``, a
  language tag of any name with attributes after it, ```` ```text title="a.tokn" ````;
  a fence line is indented by at most one space, so that it never looks like a table
  row); when the answer has several fenced blocks, the first one holding a TOKN header
  wins;
* prose before the header and after the document: the document ends at the first line that
  cannot belong to it (see :func:`_document_lines`), or at a closing fence;
* a header written loosely (``#TOKN v1``, ``# tokn v1.2``) or missing altogether when the
  text plainly starts with ``title:`` or a ``components``/``nets`` table.

The result is handed to :func:`tokn.doc.parser.parse_tokn`, which reports any remaining
problem precisely (on the extracted text's lines).
"""
from __future__ import annotations

import re

from ..errors import ToknSyntaxError
from .reasoning import skip_reasoning

__all__ = ["extract_tokn"]

#: A fence line: never a row (< 2 spaces); a language tag and attributes may follow
#: (```` ```text title="a.tokn" ````), no backtick (CommonMark's info string).
_FENCE = re.compile(r"^ ?(`{3,}|~{3,})[ \t]*([\w.+-]*)(?:[ \t]+[^`\s][^`]*)?[ \t]*$")
#: The header, also with words after the version (``# TOKN v1 — LED indicator``, dropped).
_HEADER = re.compile(r"^#\s*TOKN\s+v?([0-9]+(?:\.[0-9]+)*)(?:\s*$|\s+(?P<after>[-–—:(|].*?)\s*$)", re.I)
_HEADERLESS_START = re.compile(r"^(title:|(components|nets)\[[0-9]+\]\{|components:[ \t]*$)")
_SCALAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:( |$)")
_TABLE_HEAD = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\{[^\n]*\})?\[[0-9]+\](\{[A-Za-z0-9_,]*\})?:( .*)?$")
_KNOWN_SCALARS = ("title:", "extensions:")


def extract_tokn(text: str) -> str:
    """Return the TOKN document found in ``text`` in strict form (``\\n`` line ends, one
    final line end, header first).

    Raises :class:`~tokn.errors.ToknSyntaxError` (line 1, column 1 of ``text``) when no
    document is found: no header line and no ``title:``/``components[``/``nets[`` start.
    """
    t = skip_reasoning(text.lstrip("\ufeff")).text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.rstrip(" \t") for ln in t.split("\n")]
    block = _fenced_block(lines)
    if block is not None:
        lines = block
    start, header = find_start(lines)
    if start is None:
        raise ToknSyntaxError("no TOKN document found (expected a line '# TOKN v1')", None, 1, 1)
    body = _document_lines(lines, start + (1 if header else 0))
    head = header or "# TOKN v1"
    while body and not body[-1]:
        body.pop()
    return "\n".join([head] + body) + "\n"


def _fenced_block(lines: list[str]) -> list[str] | None:
    """Contents of the first fenced block with a TOKN header (else with a headerless start)."""
    r = fenced_block_range(lines)
    return None if r is None else lines[r[1]:r[2]]


def fenced_block_range(lines: list[str]) -> tuple[int, int, int] | None:
    """``(fence line, first content line, end)`` (0-based; ``end`` is the closing fence's
    index, or ``len(lines)`` for an unclosed fence) of the first fenced block holding a TOKN
    header, else of the first holding a headerless start; None when there is none."""
    blocks = fenced_blocks(lines)
    for test in (lambda ln: bool(_HEADER.match(ln)), lambda ln: bool(_HEADERLESS_START.match(ln))):
        for b in blocks:
            if any(test(ln) for ln in lines[b[1]:b[2]]):
                return b
    return None


def fenced_blocks(lines: list[str]) -> list[tuple[int, int, int]]:
    """Every fenced block of ``lines``, in order, as ``(fence line, first content line,
    end)`` (0-based; ``end`` is the closing fence's index, or ``len(lines)`` for an
    unclosed fence)."""
    blocks: list[tuple[int, int, int]] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group(1)
        j = i + 1
        while j < len(lines) and not _closes(lines[j], fence):
            j += 1
        blocks.append((i, i + 1, j))         # an unclosed fence runs to the end
        i = j + 1
    return blocks


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened by ``fence`` (same character, at least as long)."""
    s = line[1:] if line.startswith(" ") else line
    return s.startswith(fence) and not s.strip(fence[0])


def find_start(lines: list[str]) -> tuple[int | None, str | None]:
    """Index of the header line and the header in strict form; or of a headerless start."""
    for i, ln in enumerate(lines):
        m = _HEADER.match(ln)
        if m:
            return i, f"# TOKN v{m.group(1)}"
    for i, ln in enumerate(lines):
        if _HEADERLESS_START.match(ln):
            return i, None
    return None, None


def _document_lines(lines: list[str], start: int) -> list[str]:
    """Lines from ``start`` up to the first one that cannot be part of the document."""
    out: list[str] = []
    in_tables = False
    for ln in lines[start:]:
        if out and out[-1].endswith("\\") and not out[-1].startswith("  ") and _SCALAR.match(out[-1]):
            out.append(ln)                   # continuation of a multi-line bare scalar
            continue
        if not ln or ln.startswith("#") or ln.startswith("  "):
            out.append(ln)
        elif _TABLE_HEAD.match(ln):
            in_tables = True
            out.append(ln)
        elif _FENCE.match(ln):
            break
        elif _SCALAR.match(ln) and (not in_tables or ln.startswith(_KNOWN_SCALARS)):
            out.append(ln)
        else:
            break
    return out


#: Words that say a later document corrects an earlier one ("Wait, pin 2 is GND", "the
#: corrected version", "Final answer").
CORRECTION = re.compile(
    r"\b(?:wait|oops|sorry|actually|mistakes?|mixed up|swapped|typo|wrong|incorrect|errors?|"
    r"correct(?:ed|ion|ions)?|fix(?:ed|es)?|revised|revision|updated|final|tidier|cleaned[ -]up|"
    r"should (?:be|have been)|forgot|missed|on second thought|replaces?|replacing)\b", re.I)
#: Words that offer documents as alternatives ("Option B", "Alternatively", "a version
#: without the diode").
ALTERNATIVE = re.compile(
    r"\b(?:options?(?:\s+[A-D1-4](?!\w))?|alternatives?|alternatively|variants?|variante|version\s+(?:[A-D1-4]|one|two)|"
    r"(?:another|other|second)\s+(?:way|option|approach|design|version|variant)|one without|"
    r"(?:design|circuit|approach)\s+(?:[A-D1-4])(?![\w.])|if you (?:prefer|would rather|'d rather))\b|方案|或者", re.I)
