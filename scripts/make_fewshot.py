#!/usr/bin/env python3
"""Build the bundled few-shot examples (tokn/data/fewshot/) from permissively licensed designs.

usage: scripts/make_fewshot.py [--shared ../shared] [--out tokn/data/fewshot] [--max-tokens 1500] [--check]

Every source below is a small real schematic (or one sheet of one) from ../shared (the TOKN v1.2 reference
examples, MIT; and corpus projects under MIT, Apache-2.0 or CERN-OHL-P-2.0, all permissive:
no share-alike, no non-commercial clause).  Each is encoded with :func:`tokn.encode.encode_file`,
reduced to components, pin tables and nets (:func:`tokn.generate.fewshot.compact_tokn`;
footprints are dropped too when the example would otherwise exceed ``--max-tokens``
cl100k tokens), checked to parse, and written as ``<id>.tokn``; ``index.json`` records each
example's request text, tags, source repository, path, commit and licence.  ``--check``
only verifies that the files on disk are what this script would write.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

ANCHOR_REPO = "TOKN v1.2 reference examples (shared/anchor)"

#: id, title, file under shared/, request (what the design does, as a user would ask), tags.
SOURCES = [
    ("can-transceiver-mcp2551", "MCP2551 CAN transceiver",
     "anchor/examples/mcp2551-can-transceiver/schematic.kicad_sch",
     "CAN bus transceiver using MCP2551 with 60 ohm termination, 1k slope-control resistor on Rs and "
     "0.1uF decoupling on +5V", ["can", "interface", "transceiver"]),
    ("rs232-max232", "MAX232 TTL to RS232",
     "anchor/examples/max232-uart-rs232/schematic.kicad_sch",
     "TTL UART to RS232 level shifter using MAX232 with 10uF charge-pump capacitors", ["rs232", "uart", "serial"]),
    ("vr-conditioner-max9926", "MAX9926 VR sensor conditioner",
     "anchor/examples/max9926-vr-conditioner/schematic.kicad_sch",
     "Dual variable-reluctance (crank/cam) sensor conditioner using MAX9926 with 10k input resistors and "
     "filter capacitors", ["sensor", "automotive", "analog"]),
    ("knock-sensor-tpic8101", "TPIC8101 knock sensor interface",
     "anchor/examples/tpic8101-knock-sensor/schematic.kicad_sch",
     "Engine knock sensor interface using TPIC8101 with 4MHz crystal, 100k input resistors, 3.3nF input "
     "capacitors and decoupling", ["sensor", "automotive", "spi", "crystal"]),
    ("current-source-lm317", "Four switched LM317-type current sources",
     "anchor/examples/4-channel-current-source/schematic.kicad_sch",
     "Four switched constant current sources using NCV317 (LM317-type) adjustable regulators, BSS84 P-channel "
     "MOSFET switches and a ULQ2003 Darlington driver", ["regulator", "current source", "mosfet", "driver"]),
    ("usb-c-ldo-ams1117", "USB-C input and AMS1117-3.3 regulator",
     "corpus/files/tmilkovic51__esp32c3_devboard/usb_power_supply.kicad_sch",
     "USB-C 5V input with AMS1117-3.3 LDO regulator to 3.3V, SRV05-4 ESD protection, CC pull-down "
     "resistors and a power LED", ["regulator", "ldo", "usb", "power", "led"]),
    ("usb-uart-cp2102n", "CP2102N USB-UART bridge",
     "corpus/files/tmilkovic51__esp32c3_devboard/usb_uart_bridge.kicad_sch",
     "USB to UART bridge using CP2102N with decoupling capacitors and VBUS sense divider",
     ["usb", "uart", "serial", "interface"]),
    ("usb-uart-ft231x", "FT231X USB serial adapter",
     "corpus/files/mjbots__moteus/hw/mjuart/ft231x.kicad_sch",
     "USB to serial adapter using FT231XQ with decoupling capacitor and UART connectors",
     ["usb", "uart", "serial"]),
    ("mosfet-switch-2n7002", "Display connector with 2N7002 switch",
     "corpus/files/scottbez1__smartknob/electronics/view_screen/view_screen.kicad_sch",
     "Display and LED connector board with a 2N7002 N-channel MOSFET low-side switch and pull-up resistors",
     ["mosfet", "transistor", "switch", "connector"]),
    ("voltage-temp-sense", "Voltage and temperature sensing",
     "corpus/files/mjbots__moteus/hw/c1/vt_sense.kicad_sch",
     "Supply voltage and temperature sensing with resistor dividers, a thermistor and RC filter capacitors "
     "into ADC inputs", ["sensor", "adc", "divider", "filter"]),
    ("can-transceiver-tcan1042", "TCAN1042 CAN-FD transceiver",
     "corpus/files/mjbots__moteus/hw/c1/can.kicad_sch",
     "CAN-FD transceiver TCAN1042 with decoupling capacitors, termination resistor and a 3-pin CAN connector",
     ["can", "interface", "transceiver", "connector"]),
    ("rs422-sn65hvd35", "SN65HVD35 RS-422 transceiver",
     "corpus/files/mjbots__moteus/hw/x1/rs422.kicad_sch",
     "RS-422 full-duplex transceiver SN65HVD35 with decoupling capacitor, termination and a 6-pin connector",
     ["rs422", "rs485", "serial", "interface"]),
    ("timer-ne555-clock", "NE555 clock module",
     "corpus/files/Gawen-pjr__8-bit-computer/clock.kicad_sch",
     "Clock module with NE555 astable, monostable and debounce timers, 74LS00 NAND gate selection logic, "
     "push button, switch and LEDs", ["timer", "555", "oscillator", "logic", "led"]),
    ("buck-ldo-max15062", "MAX15062 buck and TLV70233 LDO power input",
     "corpus/files/mjbots__moteus/hw/c1/power_input.kicad_sch",
     "Power input from an XT30 connector with TVS diode protection, MAX15062 buck converter to 5V with "
     "47uH inductor, and TLV70233 LDO to 3.3V with input and output capacitors",
     ["power", "regulator", "buck", "converter", "ldo", "tvs"]),
    ("mcu-rp2040", "RP2040 microcontroller core",
     "corpus/files/TinyTapeout__tt-demo-pcb/rp2040.kicad_sch",
     "RP2040 microcontroller with W25Q32 QSPI flash, 12MHz crystal with 6pF load capacitors, 1k crystal "
     "resistor, 10k pull-ups, 100nF decoupling on every supply pin, 1uF on the core regulator, and "
     "SWD and flash programming headers", ["mcu", "microcontroller", "crystal", "flash", "decoupling", "qspi"]),
    ("led-sense", "Indicator LEDs",
     "corpus/files/mjbots__moteus/hw/c1/led_sense.kicad_sch",
     "Two indicator LEDs with series resistors and a test point", ["led", "indicator"]),
    ("ir-transceiver", "Infrared transceiver adapter",
     "corpus/files/DangerousPrototypes__BusPirate5-hardware/adapter-ir-toy-3REV3/bp5-ir-toy-v3-rev3.kicad_sch",
     "Infrared receiver and transmitter adapter: IR receiver modules, IR LEDs driven by MOSFETs, "
     "resistors and decoupling", ["infrared", "led", "mosfet", "sensor"]),
]


def _manifest(shared: str) -> dict[str, dict]:
    path = os.path.join(shared, "corpus", "manifest.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return {r["local_path"]: r for r in csv.DictReader(f)}


def _licence(text: str) -> str:
    t = text.strip()
    for spdx in ("MIT", "Apache-2.0", "CERN-OHL-P-2.0", "0BSD", "CC-BY-4.0"):
        if t.startswith(spdx):
            return spdx
    raise SystemExit(f"not a licence the bundled set may use: {text!r}")


def conform(text: str, toolkit, title: str, keep_fp: bool, lean: bool = False) -> tuple[str, int, list[str]]:
    """Make an example agree with the KiCad libraries the validator checks against: pin
    names of parts that resolve to a library symbol become the library's names, and rows of
    ``pins{REF}`` tables for pins the symbol lacks (and no net uses) are dropped.  With
    ``lean``, nets of a single pin (labels leading off the sheet, e.g. every GPIO of an MCU)
    are dropped too, except where that would leave a power input unconnected.  Returns
    (text, names changed, remaining validation errors)."""
    from tokn.doc import parse_tokn
    from tokn.doc.pinref import split_pin_ref
    from tokn.generate.fewshot import compact_tokn

    doc = parse_tokn(text)
    used = {p for n in doc.nets for p in n.pins}
    refs = set(doc.refs())
    fixed = 0
    for f in toolkit.validate(doc):
        ref, num = split_pin_ref(f.where, refs) or (f.where, "")
        rows = doc.pins.get(ref, [])
        if f.code == "pin-name-mismatch" and "library_name" in f.details:
            for pd in rows:
                if pd.number == num:
                    pd.name = f.details["library_name"]
                    fixed += 1
        elif f.code == "unknown-pin" and f.message.startswith("pins{") and f.where not in used:
            doc.pins[ref] = [pd for pd in rows if pd.number != num]
    if lean:
        single = [n for n in doc.nets if len(n.pins) == 1]
        doc.nets = [n for n in doc.nets if len(n.pins) > 1]
        unconnected = {f.where for f in toolkit.validate(doc) if f.code == "unconnected-power-pin"}
        doc.nets += [n for n in single if n.pins[0] in unconnected]
    doc.pins = {r: [pd for pd in rows if pd.name not in ("", "~")] for r, rows in doc.pins.items()}
    doc.pins = {r: rows for r, rows in doc.pins.items() if rows}
    text = compact_tokn(doc, keep_fp=keep_fp, title=title)
    errors = [str(f) for f in toolkit.validate(parse_tokn(text)) if f.severity == "error"]
    return text, fixed, errors


def conventional_refs(text: str, toolkit) -> tuple[str, list[str]]:
    """Rename references whose prefix is not one the answer grammar takes
    (:data:`tokn.generate.answer_grammar.REF_PREFIXES`: ``CAN_DBG1``, ``TEMP1``, ``VN1``) to
    the prefix of the part's KiCad symbol (``J`` for a connector; ``U`` when the part is not
    in the library) and the next free number.  Returns (text, ``old->new`` notes); the
    circuit is unchanged."""
    from tokn.doc import parse_tokn
    from tokn.generate.answer_grammar import REF_PREFIXES, rule_regex
    from tokn.generate.fewshot import compact_tokn
    from tokn.doc.pinref import split_pin_ref

    conventional = rule_regex("ref")
    doc = parse_tokn(text)
    comps = {c.ref: c for c in doc.components}
    taken = set(comps)
    renamed: dict[str, str] = {}
    for ref, comp in comps.items():
        if conventional.fullmatch(ref):
            continue
        part = toolkit.lookup(comp.lib_id)
        prefix = part.ref_prefix if part is not None and part.ref_prefix in REF_PREFIXES else "U"
        n = 1
        while f"{prefix}{n}" in taken:
            n += 1
        renamed[ref] = f"{prefix}{n}"
        taken.add(renamed[ref])
    if not renamed:
        return text, []
    for c in doc.components:
        c.ref = renamed.get(c.ref, c.ref)
    doc.pins = {renamed.get(r, r): rows for r, rows in doc.pins.items()}
    for net in doc.nets:
        refs_pins = [split_pin_ref(p, comps) for p in net.pins]          # conformed examples: all REF.PIN
        net.pins = [f"{renamed.get(ref, ref)}.{pin}" for ref, pin in refs_pins]
    return compact_tokn(doc, title=doc.title), [f"{a}->{b}" for a, b in renamed.items()]


def build(shared: str, max_tokens: int) -> tuple[list[dict], dict[str, str], list[str]]:
    from tokn.doc import parse_tokn
    from tokn.encode import encode_file
    from tokn.generate.answer_grammar import answer_regex
    from tokn.generate.fewshot import compact_tokn
    from tokn.tokens import count_tokens

    from tokn.generate.pipeline import Toolkit
    toolkit = Toolkit()
    manifest = _manifest(shared)
    index, texts, notes = [], {}, []
    for ident, title, rel, request, tags in SOURCES:
        path = os.path.join(shared, rel)
        if rel.startswith("anchor/"):
            src = {"repository": ANCHOR_REPO, "path": rel[len("anchor/"):], "commit": ""}
            licence = "MIT"
        else:
            row = manifest.get(rel[len("corpus/"):])
            if row is None:
                raise SystemExit(f"{rel}: not in the corpus manifest")
            src = {"repository": row["repo"], "path": row["path"], "commit": row["commit"]}
            licence = _licence(row["license"])
        try:
            full = encode_file(path)
        except Exception as e:                      # report and go on: one bad source must not stop the set
            notes.append(f"skip {ident}: cannot encode: {e}")
            continue
        text = compact_tokn(full, title=title)
        n = count_tokens(text)
        if n > max_tokens:
            text = compact_tokn(full, keep_fp=False, title=title)
            n = count_tokens(text)
        keep_fp = n <= max_tokens or count_tokens(compact_tokn(full, title=title)) <= max_tokens
        text, fixed, errors = conform(text, toolkit, title, keep_fp=keep_fp, lean=n > max_tokens)
        n = count_tokens(text)
        if n > max_tokens:
            notes.append(f"skip {ident}: {n} tokens even without footprints and labels-only nets "
                         f"(limit {max_tokens})")
            continue
        if errors:
            notes.append(f"skip {ident}: {errors[0]}" + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""))
            continue
        text, renamed = conventional_refs(text, toolkit)
        if answer_regex().fullmatch(text) is None:
            # e.g. a symbol whose pin numbers are names (U1.OUT): the prompt forbids that
            notes.append(f"skip {ident}: outside the answer grammar (tokn.generate.answer_grammar)")
            continue
        n = count_tokens(text)
        doc = parse_tokn(text)
        if not doc.components or not doc.nets:
            notes.append(f"skip {ident}: no components or nets")
            continue
        texts[ident] = text
        index.append({"id": ident, "title": doc.title, "request": request, "tags": tags,
                      "licence": licence, "source": f"{src['repository']}:{src['path']}"
                      + (f"@{src['commit'][:12]}" if src["commit"] else ""),
                      "tokens": n, "components": len(doc.refs()), "nets": len(doc.nets)})
        notes.append(f"ok   {ident}: {n} tokens, {len(doc.refs())} parts, {len(doc.nets)} nets ({licence})"
                     + (f"; {fixed} pin names taken from the KiCad library" if fixed else "")
                     + (f"; references renamed {', '.join(renamed)}" if renamed else ""))
    return index, texts, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("TOKN_SHARED", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--out", default=os.path.join(ROOT, "tokn", "data", "fewshot"))
    ap.add_argument("--max-tokens", type=int, default=1500)
    ap.add_argument("--check", action="store_true", help="verify the files on disk, write nothing")
    a = ap.parse_args(argv)
    index, texts, notes = build(a.shared, a.max_tokens)
    for n in notes:
        print(n, file=sys.stderr)
    meta = {"about": "Few-shot TOKN examples bundled with tokn; built by scripts/make_fewshot.py from "
                     "permissively licensed designs (see each example's source and licence).",
            "examples": index}
    want = {f"{k}.tokn": v for k, v in texts.items()}
    want["index.json"] = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    if a.check:
        bad = [f for f, t in want.items()
               if not os.path.exists(os.path.join(a.out, f)) or open(os.path.join(a.out, f), encoding="utf-8").read() != t]
        extra = sorted(set(os.listdir(a.out)) - set(want)) if os.path.isdir(a.out) else []
        for f in bad + extra:
            print(f"out of date: {f}", file=sys.stderr)
        return 1 if bad or extra else 0
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.endswith(".tokn") and f not in want:
            os.remove(os.path.join(a.out, f))
    for f, t in want.items():
        with open(os.path.join(a.out, f), "w", encoding="utf-8") as fh:
            fh.write(t)
    print(f"wrote {len(texts)} examples to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
