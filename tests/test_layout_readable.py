"""The layout reads like a schematic: upright power symbols, everything on the 50-mil grid,
small parts wired to the pins they serve, no-connect flags kept, previews cropped."""
from __future__ import annotations

import glob
import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn
from tokn.doc.model import Component, Document, Net, NoConnect
from tokn.kicad import drawcheck
from tokn.kicad.geometry import iu
from tokn.preview import crop_svg
from tokn.validate import split_pin_ref

HERE = os.path.dirname(__file__)
FEWSHOT = sorted(glob.glob(os.path.join(HERE, "..", "tokn", "data", "fewshot", "*.tokn")))
GRID_IU = iu(1.27)


def _decode(path: str, symbol_index, tmp_path):
    with open(path, encoding="utf-8") as f:
        doc = parse_tokn(f.read(), path)
    out = tmp_path / "l.kicad_sch"
    decode(doc, symbol_index, project="l", layout="grid").write(str(out))
    return doc, drawcheck.load_sheet(str(out))[0]


def _on_grid(v: float) -> bool:
    return iu(v) % GRID_IU == 0


@pytest.mark.parametrize("path", FEWSHOT, ids=[os.path.basename(p) for p in FEWSHOT])
def test_upright_power_and_grid(path, symbol_index, tmp_path):
    _, sch = _decode(path, symbol_index, tmp_path)
    power = [s for s in sch.symbols if s.properties.get("Reference", "").startswith("#PWR")]
    assert power and all(s.angle == 0 for s in power)
    for s in sch.symbols:
        assert _on_grid(s.x) and _on_grid(s.y), (s.properties.get("Reference"), s.x, s.y)
    for w in sch.wires:
        assert all(_on_grid(x) and _on_grid(y) for x, y in w.pts), w.pts
    for lb in sch.labels:
        assert _on_grid(lb.x) and _on_grid(lb.y), lb
    for x, y in list(sch.junctions) + list(sch.no_connects):
        assert _on_grid(x) and _on_grid(y)


def test_small_parts_hang_on_the_pins_they_serve(symbol_index, tmp_path):
    """led-sense: each LED's series resistor is wired to the LED (net N1/N2 drawn as a wire)."""
    doc, sch = _decode(os.path.join(HERE, "..", "tokn", "data", "fewshot", "led-sense.tokn"),
                       symbol_index, tmp_path)
    chains = [set(sp for sp in map(split_pin_ref, n.pins) if sp) for n in doc.nets if n.name in ("N1", "N2")]
    share = drawcheck.wired_connections(sch, chains)
    assert share.needed == 2 and share.wired == 2


def test_decoupling_capacitors_wired_to_their_ic(symbol_index, tmp_path):
    """usb-uart-cp2102n: the VBUS capacitor is wired to U4's VBUS pin, and a +3.3V
    capacitor to U4's supply pins."""
    doc, sch = _decode(os.path.join(HERE, "..", "tokn", "data", "fewshot", "usb-uart-cp2102n.tokn"),
                       symbol_index, tmp_path)
    nets = {n.name: {sp for sp in map(split_pin_ref, n.pins) if sp} for n in doc.nets}

    def wired(net: str, cap: str) -> bool:
        pins = {p for p in nets[net] if p[0] in ("U4", cap)}
        share = drawcheck.wired_connections(sch, [pins])
        return share.needed > 0 and share.wired == share.needed

    assert wired("VBUS", "C17")
    assert wired("+3.3V", "C15") or wired("+3.3V", "C16")


def test_noconnect_flags_survive_the_layout(symbol_index, tmp_path):
    """A drawn document whose R1 pin 2 carries a no-connect marker: laid out on the grid,
    the flag is drawn on R1 pin 2's new position."""
    doc = Document(components=[Component("R1", "R", "1k", lib="Device", x=101.6, y=101.6, a=0.0),
                               Component("R2", "R", "1k", lib="Device", x=127.0, y=101.6, a=0.0)],
                   nets=[Net("SIG", ["R1.1", "R2.1"]), Net("GND", ["R2.2"])],
                   noconnects=[NoConnect(101.6, 105.41)])       # Device:R pin 2 is at (0, -3.81)
    out = tmp_path / "nc.kicad_sch"
    decode(doc, symbol_index, project="nc", layout="grid").write(str(out))
    sch, _ = drawcheck.load_sheet(str(out))
    pins = drawcheck.pin_points(sch)
    assert [(iu(x), iu(y)) for x, y in sch.no_connects] == [(iu(pins[("R1", "2")][0]), iu(pins[("R1", "2")][1]))]


def test_crop_svg_keeps_the_drawing_and_a_margin(tmp_path):
    svg = tmp_path / "a.svg"
    svg.write_text('<svg width="297.0000mm" height="210.0000mm" viewBox="0.0000 0.0000 297.0000 210.0000">'
                   '<g/></svg>')
    crop_svg(str(svg), (50.0, 40.0, 100.0, 60.0), margin=5.0)
    text = svg.read_text()
    assert 'viewBox="45.0000 35.0000 60.0000 30.0000"' in text
    assert 'width="60.0000mm"' in text and 'height="30.0000mm"' in text


@pytest.mark.parametrize("path", FEWSHOT, ids=[os.path.basename(p) for p in FEWSHOT])
def test_every_unit_drawn_once(path, symbol_index, tmp_path):
    _, sch = _decode(path, symbol_index, tmp_path)
    drawn = [(s.properties.get("Reference"), s.unit) for s in sch.symbols
             if not s.properties.get("Reference", "").startswith("#")]
    assert len(drawn) == len(set(drawn)), sorted(d for d in drawn if drawn.count(d) > 1)
