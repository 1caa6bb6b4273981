"""The plugin's work without any GUI: settings, generation, paste fragment, preview.

Everything of substance is tokn's: :func:`tokn.generate.pipeline.generate` (grounded
generation, validation, repair, KiCad ERC), :func:`tokn.decode.fragment.paste_fragment`
(clipboard text), :mod:`tokn.generate.config` (settings and key file).  This module only
wires them together and turns failures into messages for the user.

:func:`run_job` is meant for a worker thread: it never raises; progress callbacks run in
the calling (worker) thread, so a GUI must hand them over to its own thread.
"""
from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import messages
from .status import trace


# ---- settings ---------------------------------------------------------------------------------

def load_settings(**overrides: Any):
    """tokn's settings (overrides > environment > config file > defaults)."""
    from tokn.generate.config import load_settings as _load
    return _load(**overrides)


def endpoint_configured(settings) -> bool:
    """False when nothing points at a usable endpoint (the default OpenAI URL without a key)."""
    from tokn.generate.config import ConfigError
    try:
        settings.effective_api_key()
        return True
    except ConfigError:
        return False


def save_settings(base_url: str, model: str, fewshot_k: int, grounding: bool,
                  api_key: Optional[str] = None) -> list[str]:
    """Remember endpoint, model and options in tokn's config file, and the key (when given)
    in tokn's private key file; returns the files written.  Raises ConfigError for bad values."""
    from tokn.generate import config
    written = [config.save_config({"base_url": base_url.strip().rstrip("/"), "model": model.strip(),
                                   "fewshot_k": int(fewshot_k), "grounding": bool(grounding)})]
    if api_key:
        written.append(config.save_api_key(api_key))
    return written


# ---- one request ------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What a request produced.  ``ok``: a checked circuit with its paste ``fragment``;
    ``error``: a message for the user when the request failed (endpoint, settings);
    ``refusal``: the model's circuit stayed invalid; ``svg``: the cropped preview (or None);
    ``notes``: things the user should know (unreadable schematic, no preview...)."""
    result: Any = None
    fragment: Any = None
    svg: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    error: Optional[str] = None
    refusal: Optional[str] = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.fragment is not None and self.error is None and self.refusal is None

    @property
    def findings(self) -> list:
        return list(getattr(self.result, "findings", []) or [])


def build_fragment(document, schematic_path: Optional[str], unannotated: bool):
    """The paste fragment of ``document`` for the open schematic, and notes for the user.

    An unreadable schematic is not fatal: the fragment is built without its references
    (KiCad then renumbers clashes on paste) and a note says so.
    """
    from tokn.decode.fragment import paste_fragment
    from tokn.kicad.library import SymbolIndex
    index = SymbolIndex.default()
    notes: list[str] = []
    if schematic_path:
        try:
            return paste_fragment(document, index, existing_schematic=schematic_path,
                                  unannotated=unannotated), notes
        except Exception as e:          # noqa: BLE001 - reading the user's file may fail in many ways
            notes.append(f"Could not read {schematic_path} ({e}); references are not checked against it.")
    else:
        notes.append(messages.SCHEMATIC_UNKNOWN)
    return paste_fragment(document, index, existing_schematic=None, unannotated=unannotated), notes


def run_job(prompt: str, settings, schematic_path: Optional[str], unannotated: bool, workdir: str,
            on_progress: Optional[Callable] = None, cancel: Optional[threading.Event] = None) -> Outcome:
    """Generate, check, build the fragment and its preview (see the module doc)."""
    from tokn.errors import ToknError
    from tokn.generate.config import ConfigError
    from tokn.generate.progress import Cancelled, EndpointError
    out = Outcome()
    if not endpoint_configured(settings):
        out.error = messages.NO_ENDPOINT
        return out
    try:
        from tokn.generate.pipeline import generate
        trace("generating", prompt=prompt, model=settings.model, base_url=settings.base_url)
        res = generate(prompt, settings, on_progress=on_progress, cancel=cancel)
        out.result = res
        trace("generated", ok=res.ok, rounds=res.rounds, findings=[str(f) for f in res.findings])
        if not res.ok:
            out.refusal = messages.REFUSED.format(detail=res.refusal or "")
            return out
        out.fragment, out.notes = build_fragment(res.document, schematic_path, unannotated)
        fixed = sum(getattr(f, "severity", "") == "fixed" for f in res.findings)
        if fixed:
            out.notes.append(messages.FIXED_NOTE.format(n=fixed))
        trace("fragment", refs=out.fragment.refs, nets=out.fragment.nets, size=out.fragment.size)
    except Cancelled:
        out.cancelled = True
        return out
    except ConfigError as e:
        out.error = messages.NO_ENDPOINT + f"\n\n({e.message})"
        return out
    except EndpointError as e:
        out.error = messages.MODEL_FAILED.format(detail=str(e))
        return out
    except ToknError as e:
        out.error = messages.MODEL_FAILED.format(detail=str(e))
        return out
    except Exception as e:              # noqa: BLE001 - a worker thread must report, not die
        trace("error", error=repr(e), tb=traceback.format_exc())
        out.error = f"Unexpected error: {type(e).__name__}: {e}\n\nSee the log for details."
        return out
    out.svg, note = make_preview(out.fragment, workdir)
    if note:
        out.notes.append(note)
    return out


def make_preview(fragment, workdir: str) -> tuple[Optional[str], str]:
    """Cropped SVG of ``fragment`` in ``workdir``, or (None, why not)."""
    from .preview import render_svg
    try:
        path = render_svg(fragment.sheet, fragment.bbox, os.path.join(workdir, "preview.svg"))
        return path, ""
    except Exception as e:              # noqa: BLE001 - no kicad-cli, or it failed: text only
        return None, f"No picture of the circuit: {e}"


def summary(fragment) -> str:
    """One paragraph describing what will be pasted (parts and how nets join the sheet)."""
    refs = ", ".join(f"{a}->{b}" if a != b else a for a, b in fragment.refs.items())
    text = f"Parts: {refs}. Size about {fragment.size[0]:.0f} x {fragment.size[1]:.0f} mm."
    if fragment.power_nets or fragment.global_labels:
        text += " " + messages.NET_JOIN_NOTE.format(power=", ".join(fragment.power_nets) or "none",
                                                   labels=", ".join(fragment.global_labels) or "none")
    return text
