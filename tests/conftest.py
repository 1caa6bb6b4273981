"""Pytest fixtures shared by the tests (plain helpers and paths: tests/support.py)."""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, settings

from tokn.kicad import kicad_cli

from .support import (ANCHOR, CORPUS, KICAD_DEMOS, SHARED, TESTS, anchor_schematics,  # noqa: F401
                      corpus_top_level, is_user_named, kicad_demo_designs, kicad_loadable_copy,
                      multi_pin_nets, needs_demos, needs_kicad, needs_shared, sheet_files_only)

HERE = TESTS
#: Every hypothesis test: no per-example deadline (a busy 2-core CI machine is no measure).
settings.register_profile("tokn", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tokn")


_NETLIST_CACHE: dict[str, kicad_cli.Netlist] = {}


@pytest.fixture(scope="session")
def kicad_netlist(tmp_path_factory):
    """Function returning KiCad's own netlist of a schematic (memoised per session)."""
    workdir = str(tmp_path_factory.mktemp("kicad-oracle"))

    def get(path: str) -> kicad_cli.Netlist:
        if path not in _NETLIST_CACHE:
            _NETLIST_CACHE[path] = kicad_cli.export_netlist(kicad_loadable_copy(path, workdir))
        return _NETLIST_CACHE[path]

    return get


@pytest.fixture(scope="session")
def symbol_index():
    """The installed KiCad libraries' symbol index (skips when none is installed)."""
    from tokn.kicad.library import SymbolIndex
    idx = SymbolIndex.default()
    if not idx.libraries or idx.get("Device:R") is None:
        pytest.skip("KiCad symbol libraries not installed")
    return idx
