"""Compatibility alias: the input discovery moved to :mod:`tokn.sources` (used by the CLI
and by :mod:`tokn.dataset`, which sits below the CLI)."""
from ..sources import *  # noqa: F401,F403
from ..sources import (LEGACY_EXT, SCH_EXT, InputError, RefIndex, Source, common_root, expand,  # noqa: F401
                       find_schematics, glob_root, is_glob, is_legacy_schematic, mirror_path, sheet_refs)
