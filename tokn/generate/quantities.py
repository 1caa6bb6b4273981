"""Engineering values: ``0.1uF`` = ``100nF``, ``10k`` = ``10kohm`` = ``10K``, ``4k7`` = ``4.7k``.

Shared by ``tokn bench`` (requirement scores) and the request checks
(:mod:`tokn.generate.asked`).
"""
from __future__ import annotations

import math
import re
from typing import Optional

_PREFIX = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3,
           "P": 1e-12, "N": 1e-9, "U": 1e-6,
           "M": 1e6, "meg": 1e6, "Meg": 1e6, "MEG": 1e6, "G": 1e9, "": 1.0}
_UNIT = {"f": "F", "F": "F", "h": "H", "H": "H", "hz": "Hz", "Hz": "Hz", "HZ": "Hz",
         "ohm": "ohm", "ohms": "ohm", "Ohm": "ohm", "Ohms": "ohm", "OHM": "ohm", "Ω": "ohm", "R": "ohm",
         "r": "ohm", "E": "ohm", "v": "V", "V": "V", "a": "A", "A": "A", "w": "W", "W": "W", "": ""}
#: Upper-case P, N and U are prefixes only here (``0.1UF``, ``100N``, ``15PF``), not in RKM codes
#: (``1N4148`` is a diode); ``E`` is an ohm (``120E``).
_VALUE_RE = re.compile(r"^([0-9]*\.?[0-9]+)\s*(meg|Meg|MEG|[pnuµμmkKMGPNU])?\s*"
                       r"(hz|Hz|HZ|ohms?|Ohms?|OHM|Ω|[fFhHRrvVaAwWE])?$")
_RKM_RE = re.compile(r"^([0-9]+)([pnuµμmkKMGRrVv])([0-9]+)([fFhH]|ohms?|Ω)?$")
_RKM_SUB_OHM = re.compile(r"^[Rr]([0-9]+)$")        # R47 = 0.47 ohm, R010 = 10 milliohm


def parse_value(text: str) -> Optional[tuple[float, str]]:
    """``(magnitude, unit)`` of an engineering value, unit in F, H, Hz, ohm, V, A, W or ""
    (not stated); None when ``text`` is not a value.  ``0.1uF`` -> (1e-7, "F"), ``10k`` ->
    (1e4, ""), ``4k7`` -> (4700, ""), ``60R`` -> (60, "ohm"), ``100m`` -> (0.1, ""), ``0.1UF`` -> (1e-7, "F"), ``120E`` ->
    (120, "ohm"), ``R010`` -> (0.01, "ohm")."""
    t = text.strip().replace(",", ".")
    m = _VALUE_RE.match(t)
    if m:
        num, pre, unit = m.group(1), m.group(2) or "", m.group(3) or ""
        return float(num) * _PREFIX[pre], _UNIT.get(unit, _UNIT.get(unit.lower(), ""))
    m = _RKM_SUB_OHM.match(t)
    if m:
        return float("0." + m.group(1)), "ohm"
    m = _RKM_RE.match(t)
    if m:
        a, mid, b, unit = m.groups()
        mag = float(f"{a}.{b}")
        if mid in "RrVv":
            return mag, ("ohm" if mid in "Rr" else "V")
        return mag * _PREFIX[mid], _UNIT.get(unit or "", "ohm")
    return None


def same_value(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same value (units compatible when one is unstated)."""
    va, vb = parse_value(a), parse_value(b)
    if va is None or vb is None:
        return False
    if va[1] and vb[1] and va[1] != vb[1]:
        return False
    return math.isclose(va[0], vb[0], rel_tol=1e-6, abs_tol=1e-18)
