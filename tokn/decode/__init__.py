"""Layer 4: TOKN document -> KiCad 9 schematic (see :mod:`tokn.decode.decoder`)."""
from .decoder import Decoded, decode
from .symbols import symbols_from_schematic

__all__ = ["decode", "Decoded", "symbols_from_schematic"]

from .._callable import make_callable

make_callable(__name__, "decode")
