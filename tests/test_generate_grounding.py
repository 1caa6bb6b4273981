"""Part-number extraction, library lookup and pin tables; prompt construction."""
from __future__ import annotations

import json
import os

import pytest

from tokn.doc import parse_tokn
from tokn.generate.grounding import (PartPins, stated_volts, wrong_voltage, extract_part_numbers, ground, lookup_part, pin_table, with_refs,
                                     plausible)
from tokn.generate.prompt import SYSTEM_PROMPT, build_messages, repair_message

from .conftest import ANCHOR


@pytest.mark.parametrize("text,parts", [
    ("Design a voltage follower using TL071", ["TL071"]),
    ("Design a 5V regulator using LM7805 with 0.33uF input and 0.1uF output capacitors", ["LM7805"]),
    ("ATmega328P-AU with 16MHz crystal, two 22pF caps and a 10k pull-up", ["ATmega328P-AU"]),
    ("3.3V LDO AMS1117-3.3 with 10uF caps, 4k7 and 2R2 resistors, 3V3 rail", ["AMS1117-3.3"]),
    ("CAN node: MCP2551, TL072/TL074 buffers, 74LS173 register, 4-bit bus, 2x LEDs, I2C", ["MCP2551", "TL072", "TL074",
                                                                                          "74LS173"]),
    ("An astable 555 timer with 10kohm and 100kohm resistors", ["NE555"]),
    ("STM32F103C8T6 at 8MHz; 100nF on each VDD, 1.5kohm on USB D+, 12-cell pack, 4.5-digit ADC", ["STM32F103C8T6"]),
    ("values only: 10k, 100nF, 16MHz, 5V, 240ohm, 1.5kohm, 0.1R/1R/10R, 1Hz-100kHz", []),
    # words with digits that name no part (the prompt listed them as parts the library lacks)
    ("levels of 1.8v, 2.5v or 3.3v; SSD1306 128x64 OLED, BQ76952 16S AFE, 2S2P pack, BTL 2x50W",
     ["SSD1306", "BQ76952"]),
    ("UAF42 as a 4th-order lowpass, a Quad 2-to-1 Multiplexer, AD9283 100MSPS ADC", ["UAF42", "AD9283"]),
    ("caps (C10, C53), resistors R12 and RV2, U404, IC1; 10k pull-down on GPIO15, PA12, CC1/CC2 resistors", []),
    ("SAMD21G18A ARM Cortex-M0+, LiFePO4 cell, BC1.2 detect, BLHeli32 ESCs, a USB-RS485 converter with FT232RQ",
     ["SAMD21G18A", "FT232RQ"]),
    ("PC817 optocoupler, C945 transistor, L298N driver, RV-3028-C7 RTC, TP4056", ["PC817", "C945", "L298N",
                                                                                 "RV-3028-C7", "TP4056"]),
    # a Microchip ordering code's / begins its package; other slashes part two names
    ("LDO MCP1700T-3302E/TT, op-amp MCP6002-I/SN, ATmega328P-AU/PU, USB-SPI/I2C bridge, ESP32-S3/C3",
     ["MCP1700T-3302E/TT", "MCP6002-I/SN", "ATmega328P-AU", "ESP32-S3"]),
])
def test_extract_part_numbers(text, parts):
    assert extract_part_numbers(text) == parts


def test_extraction_covers_the_benchmark_ics():
    """Every required IC of the public easy/medium/hard sets is extracted (or a more
    specific form of it, e.g. AMS1117-3.3 for AMS1117)."""
    missed = []
    for name in ("prompts_easy", "prompts_medium", "prompts_hard"):
        path = os.path.join(ANCHOR, f"{name}.jsonl")
        if not os.path.exists(path):
            pytest.skip("shared benchmark prompts not present")
        for line in open(path, encoding="utf-8"):
            rec = json.loads(line)
            got = [g.casefold() for g in extract_part_numbers(rec["prompt"])]
            for ic in rec["required_ics"]:
                if not any(g == ic.casefold() or g.startswith(ic.casefold()) for g in got):
                    missed.append((ic, rec["prompt"][:60]))
    assert not missed


@pytest.mark.parametrize("query,name,ok", [
    ("LM7805", "LM7805_TO220", True), ("ATmega328P-AU", "ATmega328P-A", True), ("TL072CP", "TL072", True),
    ("STM32F103C8T6", "STM32F103C8Tx", True), ("MCP2551", "MCP2551-I-SN", True), ("AMS1117-3.3", "AMS1117-3.3", True),
    ("RS232", "MAX202", False), ("LM7805", "LM7812_TO220", False), ("ATmega328P-AU", "NRJ6HF-AU", False),
    ("STM32F103C8T6", "STM32F103CBTx", False),
    ("74HC32", "74HC36", False), ("74HC32", "74HC323", False), ("LM317", "LM3171", False),
    ("TL072CP", "TL072CD", True), ("NE555P", "NE555", True), ("LM7812", "LM7812_TO220", True),
    ("LM1117-3.3", "LM1117-3.3", True),
])
def test_plausible(query, name, ok):
    assert plausible(query, name) is ok


class _Pin:
    def __init__(self, number, name, type, unit=1, hidden=False):
        self.number, self.name, self.type, self.unit, self.hidden = number, name, type, unit, hidden


class _Sym:
    def __init__(self, pins, unit_count=1):
        self.pins, self.unit_count, self.keywords, self.description = pins, unit_count, "dual opamp", "Dual op-amp"


class _FakeIndex:
    """find/get like SymbolIndex, for tests that must not depend on the installed libraries."""

    def __init__(self, symbols):
        self.symbols = symbols

    def find(self, name, limit=10):
        return [k for k in self.symbols if name.lower() in k.lower()][:limit] or list(self.symbols)[:limit]

    def get(self, lib_id):
        return self.symbols.get(lib_id)

    def libraries_for(self, name):
        return [k.split(":")[0] for k in self.symbols if k.split(":")[1] == name]


DUAL = _Sym([_Pin("1", "~", "output", 1), _Pin("2", "-", "input", 1), _Pin("3", "+", "input", 1),
             _Pin("5", "+", "input", 2), _Pin("6", "-", "input", 2), _Pin("7", "~", "output", 2),
             _Pin("4", "V-", "power_in", 3), _Pin("8", "V+", "power_in", 3), _Pin("9", "GND", "power_in", 1, True)],
            unit_count=3)


def _regulator(vi, vo, power=False):
    sym = _Sym([_Pin("1", "ADJ", "input"), _Pin(vi, "VI", "power_in"), _Pin(vo, "VO", "power_out")])
    sym.is_power = power
    return sym


@pytest.mark.parametrize("symbols, expected", [
    # packages numbered alike outvote the first hit (the TO-3 can swaps input and output)
    ([("R:LM317_TO3", _regulator("2", "3")), ("R:LM317_TO-220", _regulator("3", "2")),
      ("R:LM317_SOT-223", _regulator("3", "2"))], "R:LM317_TO-220"),
    # a tie keeps the first hit
    ([("R:LM317_TO3", _regulator("2", "3")), ("R:LM317_TO-220", _regulator("3", "2"))], "R:LM317_TO3"),
    # implausible names and power symbols never count
    ([("R:LM3171", _regulator("3", "2")), ("R:LM317_X", _regulator("3", "2", power=True)),
      ("R:LM317_TO3", _regulator("2", "3"))], "R:LM317_TO3"),
    ([("R:LM3171", _regulator("3", "2"))], None),
    # a symbol of exactly the name asked wins over any number of variants
    ([("R:LM317-5", _regulator("3", "2")), ("R:LM317-9", _regulator("3", "2")), ("R:LM317", _regulator("2", "3"))],
     "R:LM317"),
])
def test_the_usual_pin_numbering_wins_among_packages(symbols, expected):
    """Validator, decoder and prompt pin tables choose the same symbol for a part name
    (tokn.kicad.partnames.plausible_symbol)."""
    from tokn.kicad.partnames import plausible_symbol
    from tokn.resolve import SymbolResolver
    from tokn.doc.model import Component
    idx = _FakeIndex(dict(symbols))
    assert plausible_symbol(idx, "LM317") == expected
    part = lookup_part(idx, "LM317")
    assert (part.lib_id if part else None) == expected
    res = SymbolResolver(idx).resolve(Component("U1", "LM317"))
    assert (res.lib_id if res else None) == expected


def test_lookup_and_pin_table_with_fake_index():
    idx = _FakeIndex({"Amplifier_Operational:TL072": DUAL, "Interface_UART:MAX202": _Sym([])})
    p = lookup_part(idx, "TL072")
    assert p is not None and p.lib_id == "Amplifier_Operational:TL072" and p.unit_count == 3
    assert [n for n, _, _ in p.pins] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert lookup_part(idx, "RS232") is None                     # keyword-only hit refused
    assert p.ref_prefix == "U"                                   # no Reference field: U
    text = pin_table(p)
    assert "KiCad symbol Amplifier_Operational:TL072 (type TL072)" in text and "pins{TL072}[8]" in text
    assert "unit 1 (A): 1,2,3; unit 2 (B): 5,6,7; unit 3 (C): 4,8" in text
    assert "hidden power pins" in text and "9 GND" in text
    # with the reference the prompt gives it: the components row to copy, the table keyed by it
    (u1,) = with_refs([p])
    text = pin_table(u1)
    assert "Its components row: U1,TL072,TL072,  and its pins are U1.<num>" in text
    table = text[text.index("pins{"):]
    doc = parse_tokn("# TOKN v1\n\ncomponents[1]{ref,type,value,fp}:\n  U1,TL072,TL072,\n\n" + table + "\n")
    assert [(d.number, d.name, d.type) for d in doc.pins["U1"]][:3] == [("1", "~", "output"), ("2", "-", "input"),
                                                                        ("3", "+", "input")]
    found, missing = ground(idx, ["TL072", "TL072CP", "RS232"])
    assert [f.lib_id for f in found] == ["Amplifier_Operational:TL072"] and missing == ["RS232"]


def test_references_follow_the_symbols_prefix_and_skip_taken_ones():
    parts = [PartPins("TL072", "A:TL072", []), PartPins("USB_C", "C:USB_C", [], ref_prefix="J"),
             PartPins("NE555", "T:NE555", [])]
    assert [p.ref for p in with_refs(parts, taken=["U1"])] == ["U2", "J1", "U3"]
    odd = PartPins("X", "Sensor_Gas:X", [], ref_prefix="MES")     # a prefix the answer grammar lacks
    assert with_refs([odd])[0].ref == "U1"


def test_messages_shape():
    from tokn.generate.fewshot import Example
    part = PartPins("TL071", "Amplifier_Operational:TL071", [("1", "NULL", "input"), ("2", "-", "input")])
    ex = Example("ex1", "# TOKN v1\ntitle: X\n", request="an example request")
    msgs = build_messages("Design a follower using TL071", [ex], [part], ["XYZ123"])
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[0]["content"] == SYSTEM_PROMPT
    assert msgs[1]["content"] == "Design request: an example request"
    assert msgs[2]["content"] == "# TOKN v1\ntitle: X"
    last = msgs[-1]["content"]
    assert last.startswith("Design request: Design a follower using TL071")
    assert "pins{TL071}[2]{num,name,type}:" in last and "Not in the KiCad libraries: XYZ123" in last


def test_repair_message_lists_findings():
    class F:
        def __init__(self, sev, code, msg):
            self.severity, self.code, self.message, self.where = sev, code, msg, ""

        def __str__(self):
            return f"{self.severity}: {self.message} [{self.code}]"
    fs = [F("warning", "single-pin-net", "net X connects only U1.1")] + [F("error", "unknown-pin", f"U1.{i}: no pin")
                                                                         for i in range(40)]
    msg = repair_message(fs, truncated=True)
    assert "error: U1.0: no pin [unknown-pin]" in msg and "cut off" in msg
    assert msg.index("unknown-pin") < msg.index("single-pin-net") if "single-pin-net" in msg else True
    assert "more problems" in msg


@pytest.fixture(scope="module")
def index(symbol_index):
    """The installed libraries' index (conftest skips only when no libraries are installed;
    an index that fails to load fails the tests)."""
    return symbol_index


@pytest.mark.parametrize("name,lib_id", [
    ("TL072", "Amplifier_Operational:TL072"), ("LM7805", "Regulator_Linear:LM7805_TO220"),
    ("ATmega328P-AU", "MCU_Microchip_ATmega:ATmega328P-A"), ("AMS1117-3.3", "Regulator_Linear:AMS1117-3.3"),
    ("STM32F103C8T6", "MCU_ST_STM32F1:STM32F103C8Tx"), ("RS232", None),
    ("SAMD21G18A", "MCU_Microchip_SAMD:ATSAMD21G18A-A"),      # Atmel's prefix, which KiCad writes
    ("P8048AH", "MCU_Intel:8048"), ("D8748H", "MCU_Intel:8748"),   # Intel's package letter, HMOS suffix
    ("8051", "MCU_Intel:P8051AH"),        # ... which KiCad writes for the 8051 family
    # another last letter is another package: the same pins only for small parts
    ("PESD3V3S1UB", "Diode:PESD3V3S1UL"), ("FT232RQ", None),  # FT232RL: SSOP-28; RQ: QFN-32
    ("HR911105A", "Connector:RJ45_Hanrun_HR911105A_Horizontal"),   # a connector's part number
    ("A4988", None),                      # a word of Pololu_Breakout_A4988: a board, not the chip
    ("BSS138,215", "Transistor_FET:BSS138"),                  # NXP's packing code
    ("XC6206P332MR", "Regulator_Linear:XC6206PxxxMR"), ("LM2596S-5.0", "Regulator_Switching:LM2596S-5"),
    ("MCP130T", None),                    # five packages, two TO-92 pinouts: none is the part
    ("CD4017", "4xxx:4017"), ("ESP8266-12E", "RF_Module:ESP-12E"),
    # Microchip ordering codes: the package after / is part of the name
    ("MCP1700T-3302E/TT", "Regulator_Linear:MCP1700x-330xxTT"), ("MCP6001T-E/OT", "Amplifier_Operational:MCP6001-OT"),
    ("MCP6001T-I/LT", "Amplifier_Operational:MCP6001x-LT"), ("MCP6002T-I/SN", "Amplifier_Operational:MCP6002-xSN"),
    ("MCP4725A0T-E/CH", "Analog_DAC:MCP4725xxx-xCH"), ("MCP130T-300I/TT", "Power_Supervisor:MCP130-xxxxTT"),
    ("MCP1703T-3302E/DB", None),          # KiCad draws the MCP1703A only
    ("MCP73831T-2ACI/OT", None),          # options KiCad does not name (MCP73831-2-OT)
    ("LM2596S-5.0/NOPB", "Regulator_Switching:LM2596S-5"),   # TI's lead-free code
])
def test_lookup_real_library(index, name, lib_id):
    p = lookup_part(index, name)
    assert (p.lib_id if p else None) == lib_id


@pytest.mark.parametrize("names,lib_ids,missing", [
    # the pipeline's index (PlausibleIndex) finds a connector by its maker's part number, as
    # the resolver does; it said "Not in the KiCad libraries: HR911105A"
    (["HR911105A"], ["Connector:RJ45_Hanrun_HR911105A_Horizontal"], []),
    # "HR911105A RJ45 connector": RJ45 describes the MagJack, it is no second connector
    (["ENC28J60", "HR911105A", "RJ45"],
     ["Interface_Ethernet:ENC28J60x-SO", "Connector:RJ45_Hanrun_HR911105A_Horizontal"], []),
    (["RJ45"], ["Connector:RJ45"], []),                   # alone, the generic jack is the part
    (["TL072", "LM358"], ["Amplifier_Operational:TL072", "Amplifier_Operational:LM358"], []),
])
def test_ground_through_the_pipelines_index(index, names, lib_ids, missing):
    from tokn.generate.grounding import PlausibleIndex
    found, lacking = ground(PlausibleIndex(index), names)
    assert [p.lib_id for p in found] == lib_ids and lacking == missing


@pytest.mark.parametrize("text,name,volts", [
    ("AMS1117 3.3V with reverse-polarity diode", "AMS1117", "3.3"),
    ("3.3V AMS1117 regulator", "AMS1117", "3.3"),
    ("LM2596 5V buck from 24V", "LM2596", "5"),
    ("LM2596 buck from 24V to 3.3V", "LM2596", "3.3"),      # the input's voltage is not the part's
    ("LM2596 buck, 24V input", "LM2596", None),
    ("LM2596 24V input 5V output", "LM2596", "5"),
    ("LM2596 adjustable buck", "LM2596", "ADJ"),
    ("LM2596 3V3 rail", "LM2596", "3.3"),
    ("AMS1117 5.0V", "AMS1117", "5"),
    ("LM7805 with 12V input", "LM7805", None),
    ("Design a 3.3V regulator using LD1117V33 with 10uF capacitors", "LD1117V33", None),
    ("an ATmega328P with a 16MHz crystal", "ATmega328P", None),
])
def test_the_voltage_a_request_states_for_a_part(text, name, volts):
    assert stated_volts(text, name) == volts


@pytest.mark.parametrize("text,name,lib_id", [
    # answer 231's request: the adjustable AMS1117's table (1 ADJ) was given for "3.3V"
    ("AMS1117 3.3V with reverse-polarity diode", "AMS1117", "Regulator_Linear:AMS1117-3.3"),
    # the first hit, the fixed 5V LM2596S-5, was given for a 3.3V, a 12V and a 9V buck:
    # an answer that follows it is a 5V supply on the +3V3 net, and passes every check
    ("LM2596 3.3V buck from 12V", "LM2596", "Regulator_Switching:LM2596S-3.3"),
    ("LM2596 12V buck", "LM2596", "Regulator_Switching:LM2596S-12"),
    ("LM2596 9V buck", "LM2596", "Regulator_Switching:LM2596S-ADJ"),    # no 9V part: the adjustable
    ("LM2596 adjustable buck", "LM2596", "Regulator_Switching:LM2596S-ADJ"),
    ("LM2596 5V buck from 24V", "LM2596", "Regulator_Switching:LM2596S-5"),
    ("AMS1117 2.8V", "AMS1117", "Regulator_Linear:AMS1117"),              # no 2.8V part: as before
    ("LM317 5V", "LM317", "Regulator_Linear:LM317_TO-220"),               # adjustable anyway
    ("AMS1117-3.3 LDO", "AMS1117-3.3", "Regulator_Linear:AMS1117-3.3"),
    # the first hit for MCP1700 is the 1.2 V part; Microchip writes 3.3 V as 330
    ("MCP1700 3.3V", "MCP1700", "Regulator_Linear:MCP1700x-330xxMB"),
    ("MCP1700 LDO", "MCP1700", "Regulator_Linear:MCP1700x-120xxMB"),     # no voltage: as before
    ("LD1117 3.3V", "LD1117", "Regulator_Linear:LD1117V33"),            # ST writes it 33
    ("AP2112K 3.3V", "AP2112K", "Regulator_Linear:AP2112K-3.3"),
    ("ESP32-WROOM-32 3.3V", "ESP32-WROOM-32", "RF_Module:ESP32-WROOM-32"),   # its -32 is no voltage asked
])
def test_a_stated_voltage_picks_the_parts_fixed_voltage_symbol(index, text, name, lib_id):
    from tokn.generate.grounding import PlausibleIndex
    found, _ = ground(PlausibleIndex(index), [name], text)
    assert [p.lib_id for p in found] == [lib_id]


@pytest.mark.parametrize("name,volts", [
    ("AMS1117-3.3", ["3.3"]), ("LM2596S-5.0", ["5"]), ("LM2596T-ADJ", ["ADJ"]), ("MIC5219-3.3YM5", ["3.3"]),
    ("MCP1700x-330xxTT", ["3.3"]), ("LD1117V33", ["3.3"]), ("LD1117S18TR_SOT223", ["1.8"]),
    ("LM7805_TO220", []), ("NE555D", []), ("STM32F103C8Tx", []), ("LD1117V", []), ("TL072", []),
])
def test_voltage_codes_in_symbol_names(name, volts):
    from tokn.generate.grounding import _volt_codes
    assert [v for v, _ in _volt_codes(name)] == volts


@pytest.mark.parametrize("volts,types,wrong", [
    ("3.3", ["LM2596S-5"], ["U1"]),            # answer 238: the 5 V part on the 3.3 V rail
    ("3.3", ["LM2596S-3.3"], []),
    ("3.3", ["Regulator_Switching:LM2596S-5.0"], ["U1"]),
    ("3.3", ["LM2596S-ADJ"], []),              # adjustable: its divider sets the voltage
    ("ADJ", ["LM2596T-12"], ["U1"]),
    ("", ["LM2596S-5"], []),                   # no voltage stated: nothing to compare
    ("3.3", ["LM7805_TO220"], []),             # another part
    ("3.3", ["MIC5219-3.3YM5"], []),
])
def test_a_named_parts_fixed_voltage_symbol_of_another_voltage(volts, types, wrong):
    """Answer 238: an LM2596S-5 for "LM2596 3.3V buck" (the first hit, which the prompt
    gave) put a 5 V supply on the +3V3 net, and every check passed it."""
    from tokn.doc.model import Component
    part = PartPins(query="LM2596", lib_id="Regulator_Switching:LM2596S-3.3", pins=[], volts=volts)
    comps = [Component(f"U{k + 1}", t, "LM2596") for k, t in enumerate(types)]
    assert [c.ref for c, _ in wrong_voltage(comps, [part])] == wrong


def test_system_prompt_pin_facts_match_the_library(index):
    """What the system prompt says about passive pins is true of KiCad's Device symbols."""
    names = {lib: {p.number: p.name for p in index.get(f"Device:{lib}").pins} for lib in ("D", "LED", "R", "C")}
    assert names["D"] == {"1": "K", "2": "A"} and names["LED"] == {"1": "K", "2": "A"}
    assert set(names["R"]) == set(names["C"]) == {"1", "2"}
    pot = {p.number for p in index.get("Device:R_Potentiometer").pins}
    assert pot == {"1", "2", "3"}
