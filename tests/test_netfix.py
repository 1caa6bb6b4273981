"""Deterministic repairs of an answer with library facts (tokn.generate.netfix, partfix): each
rule of issue 10 item 2 and those found in the 1.5B model's answers, with the finding it
reports; nothing invented."""
from __future__ import annotations

import os

import pytest

from tokn.doc.model import Component, Document, Net, PinDef, Wire
from tokn.generate.netfix import PinNames, repair_nets, resolver_pins
from tokn.generate.partfix import repair_parts
from tokn.validate import validate

# A small "library": symbol -> pin number -> names.
LIBRARY = {
    "LM7805_TO220": {"1": ["VI"], "2": ["GND"], "3": ["VO"]},
    "LM358": {"1": ["~"], "2": ["-"], "3": ["+"], "4": ["V-"], "5": ["+"], "6": ["-"], "7": ["~"], "8": ["V+"]},
    "MCP2551-I-SN": {"1": ["TXD"], "2": ["VSS"], "3": ["VDD"], "4": ["RXD"], "5": ["Vref"], "6": ["CANL"],
                     "7": ["CANH"], "8": ["Rs"]},
    "NE555P": {"1": ["GND"], "2": ["TRIG"], "3": ["OUT"], "4": ["~{RST}"], "5": ["CONT"], "6": ["THRES"],
               "7": ["DISCH"], "8": ["VCC"]},
    "STM32-ish": {"1": ["VBAT"], "11": ["VDD"], "12": ["VSS"], "28": ["VDD"], "27": ["VSS"], "14": ["PA0"]},
    "AVR-ish": {"1": ["~{RESET}/PC6"], "7": ["VCC"], "9": ["XTAL1/PB6"], "10": ["XTAL2/PB7"]},
    "SPI-ish": {"1": ["MOSI/PA7"], "2": ["MOSI/PB5"]},
    "USB-ish": {"1": ["D+"], "2": ["D+"], "3": ["CC1"]},
    "SWITCH-ish": {"7": ["VEE"], "8": ["VSS"], "16": ["VDD"]},
    "C": {"1": ["~"], "2": ["~"]},
    "R": {"1": ["~"], "2": ["~"]},
}


def _table(pins: dict[str, str], units: str = "", alternates: dict[str, str] | None = None) -> PinNames:
    """A :class:`PinNames` of ``number -> name``, ``units`` "1:1 2:1 ..." and ``alternates``
    ``number -> "ALT1 ALT2"``: what a library symbol gives the repairs."""
    out = PinNames({n: [name] for n, name in pins.items()})
    out.units = {n: int(u) for n, u in (x.split(":") for x in units.split())}
    out.alternates = {n: a.split() for n, a in (alternates or {}).items()}
    return out


# Symbols as KiCad's libraries have them, cut down: MCUs with alternate functions and
# datasheet-style names, modules, transistors, a dual op-amp with its units, a USB-C receptacle.
LIBRARY.update({
    "STM32F103": _table({"5": "PD0", "7": "NRST", "12": "PA2", "30": "PA9", "33": "PA12", "34": "PA13",
                         "42": "PB6", "24": "VDD", "23": "VSS"},
                        alternates={"5": "RCC_OSC_IN", "12": "USART2_TX", "30": "USART1_TX USB_OTG_FS_VBUS",
                                    "33": "USART1_RTS USB_DP", "34": "SYS_JTMS-SWDIO", "42": "USART1_TX I2C1_SCL"}),
    "ATmega328P": _table({"1": "~{RESET}/PC6", "17": "PB3", "19": "PB5", "7": "VCC"}),
    "ESP32-WROOM": _table({"1": "GND", "2": "VDD", "3": "EN", "25": "IO0", "35": "TXD0/IO1"}),
    "RP2040": _table({"1": "IOVDD", "10": "IOVDD", "22": "IOVDD", "23": "DVDD", "50": "DVDD", "2": "GPIO0",
                      "37": "GPIO25", "38": "GPIO26/ADC0", "26": "RUN"}),
    "BC547": _table({"1": "C", "2": "B", "3": "E"}),
    "BSS138": _table({"1": "G", "2": "S", "3": "D"}),
    "LED": _table({"1": "K", "2": "A"}),
    "TPS61200": _table({"9": "GND", "10": "FB", "11": "PAD"}),
    "LM358U": _table(LIBRARY["LM358"] and {k: v[0] for k, v in LIBRARY["LM358"].items()},
                     units="1:1 2:1 3:1 5:2 6:2 7:2 4:3 8:3"),
    "FT232RL": _table({"15": "USBD+", "16": "USBD-", "20": "VCC"}),
    "FT231XS": _table({"11": "USBDP", "12": "USBDM"}),
    "CP2102N": _table({"4": "D+", "5": "D-"}),
    "CH340G": _table({"5": "UD+", "6": "UD-"}),
    "USB_C": _table({"A4": "VBUS", "A5": "CC1", "A6": "D+", "A7": "D-", "B5": "CC2", "B6": "D+", "B7": "D-",
                     "S1": "SHIELD"}),
})


def library_pins(comp: Component):
    pins = LIBRARY.get(comp.type)
    return None if pins is None else (f"Lib:{comp.type}", pins)


def doc(nets: list[tuple[str, str]], comps: str = "U1:LM7805_TO220 C1:C C2:C", pins=None) -> Document:
    d = Document(components=[Component(r, t) for r, t in (c.split(":") for c in comps.split())],
                 nets=[Net(n, p.split(",") if p else []) for n, p in nets])
    d.pins = pins or {}
    return d


def nets_of(d: Document) -> list[tuple[str, str]]:
    return [(n.name, ",".join(n.pins)) for n in d.nets]


# (rule, nets as written, components, nets after, fixed findings (code, where))
REPAIRS = [
    ("pin by name -> number",
     [("VIN", "U1.VI,C1.1"), ("GND", "U1.GND,C1.2"), ("+5V", "U1.VO,C2.1")], "U1:LM7805_TO220 C1:C C2:C",
     [("VIN", "U1.1,C1.1"), ("GND", "U1.2,C1.2"), ("+5V", "U1.3,C2.1")], [("pin-name", "U1")]),
    ("pin names ignore case and overbar markup",
     [("TX", "U1.txd"), ("RS", "U1.rs"), ("PWR", "U1.vdd,U1.vss")], "U1:MCP2551-I-SN",
     [("TX", "U1.1"), ("RS", "U1.8"), ("PWR", "U1.3,U1.2")], [("pin-name", "U1")]),
    ("overbar written without markup",
     [("VCC", "U1.VCC,U1.RST")], "U1:NE555P", [("VCC", "U1.8,U1.4")], [("pin-name", "U1")]),
    ("PIN3 / P3 is pin 3 when no pin is named so",
     [("A", "U1.PIN1,C1.P1"), ("B", "U1.Pin_3")], "U1:LM7805_TO220 C1:C",
     [("A", "U1.1,C1.1"), ("B", "U1.3")], [("pin-name", "U1"), ("pin-name", "C1")]),
    ("a net name in a pin list joins that net",
     [("GND", "U1.2"), ("CAPS", "C1.2,C2.2,GND")], "U1:LM7805_TO220 C1:C C2:C",
     [("GND", "U1.2,C1.2,C2.2")], [("merged-nets", "GND")]),
    ("a net lists an N<k> net: the real name wins",
     [("N1", "U1.1"), ("VIN", "C1.1,N1")], "U1:LM7805_TO220 C1:C",
     [("VIN", "U1.1,C1.1")], [("merged-nets", "VIN")]),
    ("a power name no row has names the net",
     [("N1", "R1.1,+3V3"), ("N2", "R2.1,+3V3"), ("GNDROW", "R1.2,R2.2,GND")], "R1:R R2:R",
     [("+3V3", "R1.1,R2.1"), ("GND", "R1.2,R2.2")], [("merged-nets", "+3V3"), ("merged-nets", "GND")]),
    ("a voltage name with a dot is a net name, not REF.PIN",
     [("N1", "R1.1,+1.8V")], "R1:R", [("+1.8V", "R1.1")], [("merged-nets", "+1.8V")]),
    ("duplicate net rows merge",
     [("GND", "U1.2"), ("VIN", "U1.1"), ("GND", "C1.2"), ("GND", "C2.2,U1.2")], "U1:LM7805_TO220 C1:C C2:C",
     [("GND", "U1.2,C1.2,C2.2"), ("VIN", "U1.1")], [("merged-nets", "GND"), ("duplicate-pin", "GND")]),
    ("a net that lists itself",
     [("GND", "U1.2,GND")], "U1:LM7805_TO220", [("GND", "U1.2")], [("merged-nets", "GND")]),
    ("the same pin twice in one net",
     [("GND", "U1.2,C1.2,U1.2")], "U1:LM7805_TO220 C1:C", [("GND", "U1.2,C1.2")], [("duplicate-pin", "GND")]),
    ("a supply pin in no net joins the net of its name",
     [("GND", "C1.2,C2.2"), ("VIN", "U1.1,C1.1")], "U1:LM7805_TO220 C1:C C2:C",
     [("GND", "C1.2,C2.2,U1.2"), ("VIN", "U1.1,C1.1")], [("power-pin-by-name", "GND")]),
    ("op-amp supplies V+ and V- by name",
     [("V+", "R1.1"), ("V-", "R1.2"), ("OUT", "U1.1,U1.2")], "U1:LM358 R1:R",
     [("V+", "R1.1,U1.8"), ("V-", "R1.2,U1.4"), ("OUT", "U1.1,U1.2")],
     [("power-pin-by-name", "V-"), ("power-pin-by-name", "V+")]),
    ("a backup-battery pin never joins a VBAT net by name",
     [("VBAT", "C1.1"), ("+3V3", "U1.11,U1.28"), ("GND", "U1.12,U1.27,C1.2")], "U1:STM32-ish C1:C",
     [("VBAT", "C1.1"), ("+3V3", "U1.11,U1.28"), ("GND", "U1.12,U1.27,C1.2")], []),
    ("a signal pin is never joined by name",
     [("OUT", "R1.1"), ("GND", "U1.1")], "U1:NE555P R1:R", [("OUT", "R1.1"), ("GND", "U1.1")], []),
    ("nothing to do",
     [("VIN", "U1.1,C1.1")], "U1:LM7805_TO220 C1:C", [("VIN", "U1.1,C1.1")], []),
    ("a supply name several pins carry stands for all of them",
     [("+3V3", "U1.VDD,C1.1"), ("GND", "U1.vss,C1.2"), ("A0", "U1.PA0")], "U1:STM32-ish C1:C",
     [("+3V3", "U1.11,U1.28,C1.1"), ("GND", "U1.12,U1.27,C1.2"), ("A0", "U1.14")], [("pin-name", "U1")]),
    ("other separators between reference and pin",
     [("VIN", "U1-1,C1:1"), ("GND", "U1/2,C1 pin 2"), ("+5V", "U1(3),C2 2")], "U1:LM7805_TO220 C1:C C2:C",
     [("VIN", "U1.1,C1.1"), ("GND", "U1.2,C1.2"), ("+5V", "U1.3,C2.2")],
     [("pin-separator", "U1"), ("pin-separator", "C1"), ("pin-separator", "C2")]),
    ("another separator before a pin name",
     [("VIN", "U1:VI,C1.1")], "U1:LM7805_TO220 C1:C", [("VIN", "U1.1,C1.1")],
     [("pin-separator", "U1"), ("pin-name", "U1")]),
    ("a part without pins takes a number of digits",
     [("OUT", "U1-5,R1.1")], "U1:XYZ123 R1:R", [("OUT", "U1.5,R1.1")], [("pin-separator", "U1")]),
    ("a unit letter after the reference",
     [("VIN", "U1A.1,C1.1"), ("GND", "U1B.2,C1.2")], "U1:LM7805_TO220 C1:C",
     [("VIN", "U1.1,C1.1"), ("GND", "U1.2,C1.2")], [("unit-letter", "U1")]),
    ("references in other letter case",
     [("VIN", "u1.1,c1.1"), ("GND", "U1.2,c1.2")], "U1:LM7805_TO220 C1:C",
     [("VIN", "U1.1,C1.1"), ("GND", "U1.2,C1.2")], [("ref-case", "U1"), ("ref-case", "C1")]),
    ("the longest reference that fits wins: R10-1 is R10's pin",
     [("A", "R10-1,R1-2")], "R1:R R10:R", [("A", "R10.1,R1.2")], [("pin-separator", "R10"), ("pin-separator", "R1")]),
    ("one function of a pin named for several (XTAL1/PB6) is that pin",
     [("XT", "U1.XTAL1,U1.PB7,C1.1"), ("RST", "U1.RESET,U1.PB6/XTAL1")], "U1:AVR-ish C1:C",
     [("XT", "U1.9,U1.10,C1.1"), ("RST", "U1.1,U1.9")], [("pin-name", "U1")]),
    ("a no-connect pseudo-net is no net (its pins become noconnects rows)",
     [("VIN", "U1.1,C1.1"), ("NC", "C2.1,C2.2"), ("N/C", ""), ("No_Connect", "C1.2")], "U1:LM7805_TO220 C1:C C2:C",
     [("VIN", "U1.1,C1.1")], [("no-connect-net", "NC"), ("no-connect-net", "N/C"), ("no-connect-net", "No_Connect")]),
    ("pins of KiCad power symbols and flags (# references no row declares) are dropped",
     [("VIN", "U1.1,C1.1,#FLG01.1"), ("GND", "U1.2,C1.2,#PWR01.1,#FLG02.1")], "U1:LM7805_TO220 C1:C",
     [("VIN", "U1.1,C1.1"), ("GND", "U1.2,C1.2")], [("power-symbol", "VIN"), ("power-symbol", "GND")]),
]


# Pins named otherwise than KiCad's symbols name them, by conventions of datasheets, boards
# and models, whose meaning the real pinout settles: (rule, pin as written, type, number).
NAMED_OTHERWISE = [
    ("a datasheet name of several functions, one a pin's", "PB5/SCK", "ATmega328P", "19"),
    ("the same written with parentheses", "PB3(MOSI)", "ATmega328P", "17"),
    ("ST's LQFP name PD0-OSC_IN", "PD0-OSC_IN", "STM32F103", "5"),
    ("a KiCad alternate function of one pin", "USB_DP", "STM32F103", "33"),
    ("one function of a hyphenated alternate", "SWDIO", "STM32F103", "34"),
    ("an alternate without its peripheral", "OSC_IN", "STM32F103", "5"),
    ("RESET for NRST", "RESET", "STM32F103", "7"),
    ("RESET for ~{RST}", "RESET", "NE555P", "4"),
    ("GPIO0 for an ESP32 module's IO0", "GPIO0", "ESP32-WROOM", "25"),
    ("GPIO1 for one function of TXD0/IO1", "GPIO1", "ESP32-WROOM", "35"),
    ("a Pico's GP25 for GPIO25", "GP25", "RP2040", "37"),
    ("IO26 for GPIO26/ADC0", "IO26", "RP2040", "38"),
    ("BASE for B", "BASE", "BC547", "2"),
    ("collector", "Collector", "BC547", "1"),
    ("GATE for G", "GATE", "BSS138", "1"),
    ("DRAIN for D", "drain", "BSS138", "3"),
    ("ANODE for A", "ANODE", "LED", "2"),
    ("CATHODE for K", "CATHODE", "LED", "1"),
    ("EP for an exposed pad named PAD", "EP", "TPS61200", "11"),
    ("OUT1: the output of unit 1", "OUT1", "LM358U", "1"),
    ("1OUT (TI's name)", "1OUT", "LM358U", "1"),
    ("OUTB", "OUTB", "LM358U", "7"),
    ("IN1+", "IN1+", "LM358U", "3"),
    ("1IN-", "1IN-", "LM358U", "2"),
    ("+INB", "+INB", "LM358U", "5"),
    ("2IN+", "2IN+", "LM358U", "5"),
    ("INA-", "INA-", "LM358U", "2"),
    ("VCC for an op-amp's V+ (TI's name)", "VCC", "LM358U", "8"),
    ("GND for a single-supply op-amp's V- (TI's name)", "GND", "LM358U", "4"),
    ("VIN for a regulator's VI", "VIN", "LM7805_TO220", "1"),
    ("VOUT for a regulator's VO", "VOUT", "LM7805_TO220", "3"),
    ("+ for an LED's anode", "+", "LED", "2"),
    # USB data lines: datasheets' P/M/N for KiCad's +/- and back (answer 186 with FTDI's names)
    ("FTDI's USBDP for USBD+", "USBDP", "FT232RL", "15"),
    ("FTDI's USBDM for USBD-", "USBDM", "FT232RL", "16"),
    ("USBD+ for FTDI's USBDP", "USBD+", "FT231XS", "11"),
    ("USBD- for FTDI's USBDM", "USBD-", "FT231XS", "12"),
    ("DP for D+", "DP", "CP2102N", "4"),
    ("DN for D-", "DN", "CP2102N", "5"),
    ("UDM for CH340's UD-", "UDM", "CH340G", "6"),
]


@pytest.mark.parametrize("rule,pin,type_,number", NAMED_OTHERWISE, ids=[r[0] for r in NAMED_OTHERWISE])
def test_pins_named_by_other_conventions(rule, pin, type_, number):
    out, findings = repair_nets(doc([("N", f"U1.{pin},R1.1")], f"U1:{type_} R1:R"), library_pins)
    assert nets_of(out) == [("N", f"U1.{number},R1.1")]
    assert [(f.code, f.where) for f in findings] == [("pin-name", "U1")]
    assert f"U1.{pin} -> U1.{number}" in findings[0].message


# (rule, pins as written, type, pins after, fix code): a unit letter after the reference picks the
# pin of that unit; a USB-C receptacle's D+ is both rows' contacts.
IN_UNITS = [
    ("U1A.+ is unit A's + input", "U1A.+,U1B.-", "LM358U", "U1.3,U1.6", "unit-letter"),
    ("U1B.OUT is unit B's output", "U1B.OUT,U1A.~", "LM358U", "U1.7,U1.1", "unit-letter"),
    ("U1A.V+ is the supply pin", "U1A.V+", "LM358U", "U1.8", "unit-letter"),
    ("J1.D+ on a USB-C receptacle is A6 and B6", "J1.D+,J1.D-", "USB_C", "J1.A6,J1.B6,J1.A7,J1.B7", "pin-name"),
    ("a prefixed supply several pins carry (RP2040 IOVDD, DVDD) stands for all of them", "U1.IOVDD,U1.DVDD", "RP2040",
     "U1.1,U1.10,U1.22,U1.23,U1.50", "pin-name"),
    ("the Type-C specification's Dp1/Dn2 are row A's D+ and row B's D-", "J1.DP1,J1.DN2", "USB_C", "J1.A6,J1.B7",
     "pin-name"),
]


@pytest.mark.parametrize("rule,pins,type_,after,code", IN_UNITS, ids=[r[0] for r in IN_UNITS])
def test_unit_letters_and_both_rows(rule, pins, type_, after, code):
    ref = pins.split(".")[0][:2]
    out, findings = repair_nets(doc([("N", pins)], f"{ref}:{type_}"), library_pins)
    assert nets_of(out) == [("N", after)]
    assert {f.code for f in findings} <= {code, "pin-name"} and code in {f.code for f in findings}


@pytest.mark.parametrize("rule,nets,comps,after,fixed", REPAIRS, ids=[r[0] for r in REPAIRS])
def test_repairs(rule, nets, comps, after, fixed):
    before = doc(nets, comps)
    out, findings = repair_nets(before, library_pins)
    assert nets_of(out) == after
    assert [(f.code, f.where) for f in findings] == fixed
    assert all(f.severity == "fixed" and f.message for f in findings)
    assert nets_of(before) == nets                       # the input is not changed
    assert [c.ref for c in out.components] == [c.ref for c in before.components]   # never a part added


# (case, components as written "REF:TYPE:VALUE[:LIB]", components after, fixed (code, where))
ROWS = [
    ("type and value swapped", "R1:10k:R C1:100nF:C", "R1:R:10k C1:C:100nF",
     [("swapped-type-value", "R1"), ("swapped-type-value", "C1")]),
    ("the library written as the type", "U1:Lib:LM358", "U1:LM358:LM358:Lib", [("library-as-type", "U1")]),
    ("a type the libraries lack stays", "U1:XYZ123:XYZ123", "U1:XYZ123:XYZ123", []),
    ("a value that names no symbol stays", "R1:10k:RES", "R1:10k:RES", []),
    ("a row that resolves is never rewritten", "R1:R:C", "R1:R:C", []),
    ("a value in the type column, no value", "R1:330: C1:100nF: C2:4n7:", "R1:R:330 C1:C:100nF C2:C:4n7",
     [("value-as-type", "R1"), ("value-as-type", "C1"), ("value-as-type", "C2")]),
    ("a value of another kind stays", "R1:100nF: C1:10R:", "R1:100nF: C1:10R:", []),
    ("a value on a reference of no passive stays", "U1:330: RN1:10k:", "U1:330: RN1:10k:", []),
]


def _row(spec: str) -> Component:
    ref, type_, value, *lib = spec.split(":")
    return Component(ref, type_, value, lib=lib[0] if lib else "")


@pytest.mark.parametrize("case,before,after,fixed", ROWS, ids=[r[0] for r in ROWS])
def test_component_rows_read_as_meant(case, before, after, fixed):
    def pins_with_lib(comp: Component):
        if comp.lib not in ("", "Lib"):
            return None
        found = library_pins(comp)
        return None if found is None else ((f"{comp.lib}:{comp.type}" if comp.lib else found[0]), found[1])
    d = Document(components=[_row(c) for c in before.split()])
    out, findings = repair_nets(d, pins_with_lib)
    assert [(c.ref, c.type, c.value, c.lib) for c in out.components] == \
        [(c.ref, c.type, c.value, c.lib) for c in map(_row, after.split())]
    assert [(f.code, f.where) for f in findings] == fixed
    assert [c.type for c in d.components] == [_row(c).type for c in before.split()]    # input unchanged


# (case, components "REF:TYPE:VALUE[:LIB]", components after, fixed (code, where)), against a library
# whose category symbols are simulation-only ones, as KiCad's NPN/PNP are
SIMULATION_ROWS = [
    ("a category's simulation symbol, a value naming a part", "Q1:NPN:BC547", "Q1:BC547:BC547",
     [("value-names-part", "Q1")]),
    ("a value naming no part keeps the category", "Q1:NPN:XYZ", "Q1:NPN:XYZ", []),
    ("a value naming another simulation symbol stays", "Q1:NPN:PNP", "Q1:NPN:PNP", []),
    ("the simulation library written with the row stays", "Q1:NPN:BC547:Simulation_SPICE",
     "Q1:NPN:BC547:Simulation_SPICE", []),
    ("a row of another library is never rewritten", "Q1:BC547:NPN", "Q1:BC547:NPN", []),
]
SIMULATION_LIBRARY = {"NPN": "Simulation_SPICE:NPN", "PNP": "Simulation_SPICE:PNP",
                      "BC547": "Transistor_BJT:BC547"}


@pytest.mark.parametrize("case,before,after,fixed", SIMULATION_ROWS, ids=[r[0] for r in SIMULATION_ROWS])
def test_simulation_only_category_gives_way_to_the_part_its_value_names(case, before, after, fixed):
    def pins(comp: Component):
        lib_id = SIMULATION_LIBRARY.get(comp.type)
        if lib_id is None or (comp.lib and not lib_id.startswith(comp.lib + ":")):
            return None
        return lib_id, {"1": ["C"], "2": ["B"], "3": ["E"]}
    out, findings = repair_parts(Document(components=[_row(c) for c in before.split()]), pins)
    assert [(c.ref, c.type, c.value, c.lib) for c in out.components] == \
        [(c.ref, c.type, c.value, c.lib) for c in map(_row, after.split())]
    assert [(f.code, f.where) for f in findings] == fixed


# (case, pin table rows "num,name ...", type, rows after, swapped?)
PIN_TABLES = [
    ("name,num on a library part", "VI,1 GND,2 VO,3", "LM7805_TO220", "1,VI 2,GND 3,VO", True),
    ("name,num on a part the libraries lack", "VDD,1 OUT,5", "XYZ123", "1,VDD 5,OUT", True),
    ("num,name stays", "1,VI 2,GND 3,VO", "LM7805_TO220", "1,VI 2,GND 3,VO", False),
    ("one row in order: the table stays", "VI,1 2,GND", "LM7805_TO220", "VI,1 2,GND", False),
    ("BGA numbers on an unknown part stay", "A1,VDD B2,GND", "XYZ123", "A1,VDD B2,GND", False),
]


@pytest.mark.parametrize("case,rows,type_,after,swapped", PIN_TABLES, ids=[c[0] for c in PIN_TABLES])
def test_pin_tables_written_name_first(case, rows, type_, after, swapped):
    table = [PinDef(*r.split(",")) for r in rows.split()]
    d = doc([], f"U1:{type_}", pins={"U1": table})
    out, findings = repair_nets(d, library_pins)
    assert [f"{p.number},{p.name}" for p in out.pins["U1"]] == after.split()
    assert [(f.code, f.where) for f in findings] == ([("pin-columns-swapped", "U1")] if swapped else [])
    assert [f"{p.number},{p.name}" for p in d.pins["U1"]] == rows.split()      # input unchanged


def test_a_pin_name_fix_says_what_became_what():
    _, findings = repair_nets(doc([("VIN", "U1.VI,C1.1"), ("GND", "U1.GND")]), library_pins)
    assert findings[0].message == "pins written by name (Lib:LM7805_TO220), numbered: U1.VI -> U1.1, U1.GND -> U1.2"


def test_merged_nets_say_why_and_which_name():
    _, findings = repair_nets(doc([("GND", "U1.2"), ("CAPS", "C1.2,GND")]), library_pins)
    assert findings[0].message == "CAPS lists GND: one net, called GND"


def test_a_part_missing_from_the_libraries_uses_its_own_pin_table():
    d = doc([("OUT", "U1.OUT,R1.1")], "U1:XYZ123 R1:R", pins={"U1": [PinDef("1", "VDD"), PinDef("5", "OUT")]})
    out, findings = repair_nets(d, library_pins)
    assert nets_of(out) == [("OUT", "U1.5,R1.1")]
    assert findings[0].message == "pins written by name (pins{U1}), numbered: U1.OUT -> U1.5"


# (case, nets, components, error code or None, where, words in the message): left as they are
NOT_INVENTED = [
    ("ambiguous name lists the candidates", [("VIN", "U1.+")], "U1:LM358", "ambiguous-pin", "U1.+", "(3, 5)"),
    ("a name no pin has", [("OUT", "U1.Q")], "U1:NE555P", None, "", ""),
    ("a part never declared", [("VIN", "U1.1,N1.1")], "U1:LM7805_TO220", None, "", ""),
    ("a part with no pin table", [("OUT", "U1.OUT")], "U1:XYZ123", None, "", ""),
    ("a bare reference is not a net", [("GND", "U1.2,C1")], "U1:LM7805_TO220 C1:C", None, "", ""),
    ("a reference cut off after its dot is not a net", [("VN", "U1.1,C1.")], "U1:LM7805_TO220 C1:C", None, "", ""),
    ("a function two pins are named for", [("D", "U1.MOSI")], "U1:SPI-ish", "ambiguous-pin", "U1.MOSI", "(1, 2)"),
    ("an ambiguous name says each candidate's unit", [("VIN", "U1.+")], "U1:LM358U", "ambiguous-pin", "U1.+",
     "(3, 5): 3 in unit A, 5 in unit B"),
    ("an alternate two pins have says which pins", [("TX", "U1.USART1_TX")], "U1:STM32F103", "ambiguous-pin",
     "U1.USART1_TX", "(30, 42): 30 is PA9, 42 is PB6"),
    ("an Arduino board's name is no pin of the chip", [("LED", "U1.D13")], "U1:ATmega328P", None, "", ""),
    ("a function KiCad's symbol does not list", [("SCK", "U1.SCK")], "U1:ATmega328P", None, "", ""),
    ("an op-amp output without its unit", [("OUT", "U1.OUT")], "U1:LM358U", "ambiguous-pin", "U1.OUT",
     "(1, 7): 1 in unit A, 7 in unit B"),
    ("GND on a part with VSS and VEE pins", [("GND", "U1.GND")], "U1:SWITCH-ish", None, "", ""),
    ("a supply written by its voltage, pin types unknown", [("+3V3", "U1.3V3")], "U1:ESP32-WROOM", None, "", ""),
    ("DP1 on a part that is no USB-C receptacle", [("DP", "U1.DP1")], "U1:USB-ish", None, "", ""),
    ("D+ on a part that is no USB-C receptacle", [("DP", "U1.D+")], "U1:USB-ish", "ambiguous-pin", "U1.D+", "(1, 2)"),
    ("two functions written together naming two pins", [("X", "U1.PB5/PB3")], "U1:ATmega328P", None, "", ""),
    ("another separator before a pin the part lacks", [("VIN", "U1-9")], "U1:LM7805_TO220", None, "", ""),
    ("another separator before a name on a part without pins", [("OUT", "U1-OUT")], "U1:XYZ123", None, "", ""),
    ("a net called like a pin reference", [("U1-1", "C1.1"), ("X", "U1-1,C1.2")], "U1:LM7805_TO220 C1:C",
     "merged", "", ""),
]


@pytest.mark.parametrize("case,nets,comps,code,where,words", NOT_INVENTED, ids=[c[0] for c in NOT_INVENTED])
def test_what_library_facts_do_not_settle_is_left_alone(case, nets, comps, code, where, words):
    out, findings = repair_nets(doc(nets, comps), library_pins)
    if code == "merged":                       # the net name is joined, not read as a pin
        assert [(f.code, f.where) for f in findings] == [("merged-nets", "U1-1")]
        return
    assert nets_of(out) == nets
    errors = [f for f in findings if f.severity == "error"]
    if code is None:
        assert findings == []
    else:
        assert [(f.code, f.where) for f in errors] == [(code, where)] and words in errors[0].message


# What stays wrong is named by the validator: the part, the pin, or both nets.
VALIDATOR_NAMES = [
    ([("VIN", "U1.1,N1.1")], "undeclared-part", "N1"),
    ([("VIN", "U1.1,C1.1"), ("GND", "C1.1,U1.2")], "pin-in-two-nets", "VIN and in net GND"),
    ([("VIN", "U1.VI,C1.1"), ("IN2", "U1.1,C2.1")], "pin-in-two-nets", "VIN and in net IN2"),
]


@pytest.mark.parametrize("nets,code,words", VALIDATOR_NAMES)
def test_what_remains_is_named_by_the_validator(nets, code, words):
    out, _ = repair_nets(doc(nets), library_pins)
    errs = [f for f in validate(out) if f.code == code]
    assert errs and words in errs[0].message


def test_wires_follow_a_renamed_net():
    d = doc([("N1", "U1.1"), ("VIN", "C1.1,N1")])
    d.wires = [Wire("N1", [(0.0, 0.0), (1.0, 0.0)])]
    out, _ = repair_nets(d, library_pins)
    assert [w.net for w in out.wires] == ["VIN"]


def test_resolver_pins_reads_the_resolved_symbol():
    class Pin:
        def __init__(self, number, name):
            self.number, self.name = number, name

    class Resolved:
        lib_id = "Lib:X"
        symbol = type("S", (), {"pins": [Pin("1", "A"), Pin("1", "A2"), Pin("2", "B")]})()

    class Resolver:
        def resolve(self, comp):
            return Resolved() if comp.type == "X" else None

    pins_of = resolver_pins(Resolver())
    assert pins_of(Component("U1", "X")) == ("Lib:X", {"1": ["A", "A2"], "2": ["B"]})
    assert pins_of(Component("U2", "Y")) is None


@pytest.mark.parametrize("nets, after, fixed", [
    # the datasheet's pin 10 for PGND2 (hidden under 9 in KiCad's symbol): 9 joins the net
    ([("SENSE_B", "U1.10,R1.1"), ("GND", "U1.18,R1.2")], [("SENSE_B", "U1.10,R1.1,U1.9"), ("GND", "U1.18,R1.2")],
     [("stacked-pins", "SENSE_B")]),
    # the visible pin written, the hidden one left out as the prompt asks: it joins (KiCad
    # joins it; left in no net, KiCad's symbol could not be drawn: answers 170, 224, 229, 237)
    ([("OUT", "U1.1"), ("GND", "U1.18")], [("OUT", "U1.1,U1.2"), ("GND", "U1.18")], [("stacked-pins", "OUT")]),
    ([("OUT", "U1.2"), ("GND", "U1.18")], [("OUT", "U1.2,U1.1"), ("GND", "U1.18")], [("stacked-pins", "OUT")]),
    # both written, or each in another net: left as written (the validator names the conflict)
    ([("SENSE_B", "U1.9,U1.10")], [("SENSE_B", "U1.9,U1.10")], []),
    ([("A", "U1.9"), ("B", "U1.10")], [("A", "U1.9"), ("B", "U1.10")], []),
])
def test_a_pin_in_no_net_on_one_point_with_a_pin_in_a_net_joins_it(symbol_index, nets, after, fixed):
    """Answer 170 written with the TB6612FNG datasheet's pin numbers: PGND2 as pin 10 alone
    was refused, 'U1.9 (PGND2) is a power input and is not connected', though KiCad joins
    the two pins."""
    from tokn.generate.netfix import PinNames
    sym = symbol_index.get("Driver_Motor:TB6612FNG")
    out, findings = repair_nets(doc(nets, "U1:TB6612FNG R1:R"),
                                lambda c: ("Driver_Motor:TB6612FNG", PinNames.of_symbol(sym)) if c.ref == "U1" else None)
    assert nets_of(out) == after
    assert [(f.code, f.where) for f in findings] == fixed


def test_generate_md_names_every_repair_code():
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "generate.md"), encoding="utf-8") as f:
        doc = f.read()
    assert [c for c in ("pin-name", "ambiguous-pin", "merged-nets", "duplicate-pin", "power-pin-by-name",
                        "swapped-type-value", "library-as-type", "pin-separator", "ref-case", "no-connect-net",
                        "pin-columns-swapped", "unit-letter", "power-symbol", "value-as-type", "value-names-part",
                        "stacked-pins", "pin-table-name") if f"`{c}`" not in doc] == []


# (case, nets as written, components, nets after, noconnects rows after, the no-connect note)
NO_CONNECT_ROWS = [
    ("each pin of an NC row is a noconnects row",
     [("VIN", "U1.1,C1.1"), ("NC", "C2.1,C2.2"), ("No_Connect", "C1.2")], "U1:LM7805_TO220 C1:C C2:C",
     [("VIN", "U1.1,C1.1")], ["C2.1", "C2.2", "C1.2"],
     "NC is not a net but says its pins are unconnected: C2.1, C2.2 marked not connected (noconnects)"),
    ("pins of an NC row are read like a net's: by name, with another separator",
     [("CANH", "U1.7"), ("CANL", "U1.6"), ("NC", "U1.Vref,U1-8")], "U1:MCP2551-I-SN",
     [("CANH", "U1.7"), ("CANL", "U1.6")], ["U1.5", "U1.8"],
     "NC is not a net but says its pins are unconnected: U1.5, U1.8 marked not connected (noconnects)"),
    ("a pin another row connects stays in that net",
     [("VIN", "U1.1,C1.1"), ("NC", "C1.1,C1.2")], "U1:LM7805_TO220 C1:C",
     [("VIN", "U1.1,C1.1")], ["C1.2"],
     "NC is not a net but says its pins are unconnected: C1.2 marked not connected (noconnects); "
     "C1.1 stays in net VIN"),
    ("a supply pin marked NC is not joined to the net of its name",
     [("GND", "C1.2"), ("VCC", "U1.8,C1.1"), ("NC", "U1.1")], "U1:NE555P C1:C",
     [("GND", "C1.2"), ("VCC", "U1.8,C1.1")], ["U1.1"],
     "NC is not a net but says its pins are unconnected: U1.1 marked not connected (noconnects)"),
    ("an empty NC row marks nothing",
     [("VIN", "U1.1,C1.1"), ("N/C", "")], "U1:LM7805_TO220 C1:C", [("VIN", "U1.1,C1.1")], [],
     "N/C is not a net but says its pins are unconnected: no pin left to mark"),
]


# (case, nets as written, components, the answer's own pins{REF} rows (number:name), nets after, fixed)
OWN_NAMES = [
    ("a library pin without a name, by the name the answer's table gives it",
     [("IN", "U1.A,R1.1"), ("OUT", "U1.C,R2.2"), ("GND2", "U1.E")], "U1:OPTO R1:R R2:R",
     {"U1": "1:A 2:K 3:E 4:C"}, [("IN", "U1.1,R1.1"), ("OUT", "U1.4,R2.2"), ("GND2", "U1.3")], [("pin-name", "U1")]),
    ("a name the symbol gives a pin is the symbol's, whatever the table says",
     [("VIN", "U2.VI,C1.1")], "U2:LM7805_TO220 C1:C", {"U2": "1:VO 3:VI"}, [("VIN", "U2.1,C1.1")],
     [("pin-name", "U2")]),
    ("without a table, an unnamed pin's name stays unknown",
     [("IN", "U1.A,R1.1")], "U1:OPTO R1:R", {}, [("IN", "U1.A,R1.1")], []),
    ("a name the table gives two unnamed pins is ambiguous",
     [("IN", "U1.A,R1.1")], "U1:OPTO R1:R", {"U1": "1:A 2:A"}, [("IN", "U1.A,R1.1")], [("ambiguous-pin", "U1.A")]),
]


@pytest.mark.parametrize("case,nets,comps,own,after,fixed", OWN_NAMES, ids=[r[0] for r in OWN_NAMES])
def test_unnamed_library_pins_by_the_answers_own_names(case, nets, comps, own, after, fixed):
    """Answer 206: an EL814 (KiCad's four pins are unnamed) with the answer's table naming
    them A, K, E, C and its nets using those names was refused unknown-pin U1.A..."""
    library = dict(LIBRARY, OPTO={str(n): ["~"] for n in range(1, 5)})
    tables = {r: [PinDef(n, name) for n, name in (x.split(":") for x in rows.split())] for r, rows in own.items()}
    out, findings = repair_nets(doc(nets, comps, tables),
                                lambda c: (f"Lib:{c.type}", library[c.type]) if c.type in library else None)
    assert nets_of(out) == after
    assert [(f.code, f.where) for f in findings] == fixed


# (case, components, the answer's own pins{REF} rows (number:name), the rows after, fixed)
TABLE_NAMES = [
    ("a datasheet's input names for KiCad's (answer 227's INA219)",
     "U1:INA219", {"U1": "7:VIN- 8:VIN+ 5:VS"}, {"U1": "7:IN- 8:IN+ 5:VS"}, [("pin-table-name", "U1")]),
    ("an exposed pad called EP where KiCad says PAD (answer 229's MAX98357A)",
     "U1:MAX98357A", {"U1": "3:GND 17:EP"}, {"U1": "3:GND 17:PAD"}, [("pin-table-name", "U1")]),
    ("a regulator's VIN and VOUT for VI and VO",
     "U1:LM7805_TO220", {"U1": "1:VIN 2:GND 3:VOUT"}, {"U1": "1:VI 2:GND 3:VO"}, [("pin-table-name", "U1")]),
    ("another pin's name stays for the validator (answer 236's TO-92 TL431)",
     "U1:TL431P", {"U1": "1:REF 6:A 8:K"}, {"U1": "1:REF 6:A 8:K"}, []),
    ("a microphone's poles swapped stay (answer 235)",
     "MK1:MIC", {"MK1": "1:+ 2:-"}, {"MK1": "1:+ 2:-"}, []),
    ("a name no pin has stays", "U1:INA219", {"U1": "5:VCC_SENSE"}, {"U1": "5:VCC_SENSE"}, []),
    ("a part the libraries lack keeps its table", "U1:XYZ123", {"U1": "1:VIN"}, {"U1": "1:VIN"}, []),
]


@pytest.mark.parametrize("case,comps,rows,after,fixed", TABLE_NAMES, ids=[r[0] for r in TABLE_NAMES])
def test_pin_table_rows_in_another_name_of_their_pin(case, comps, rows, after, fixed):
    """Answers 227 and 229 were refused pin-name-mismatch for a pins{REF} row that named its
    pin as the datasheet does (``8,VIN+`` for the INA219's ``IN+``, ``17,EP`` for ``PAD``):
    the numbers agree with the library, only the spelling differs."""
    library = dict(LIBRARY, INA219={"1": ["A1"], "5": ["VS"], "6": ["GND"], "7": ["IN-"], "8": ["IN+"]},
                   MAX98357A={"3": ["GND"], "9": ["OUTP"], "17": ["PAD"]},
                   TL431P={"1": ["K"], "6": ["A"], "8": ["REF"]}, MIC={"1": ["-"], "2": ["+"]})
    tables = {r: [PinDef(n, name) for n, name in (x.split(":") for x in t.split())] for r, t in rows.items()}
    out, findings = repair_nets(doc([], comps, tables),
                                lambda c: (f"Lib:{c.type}", library[c.type]) if c.type in library else None)
    assert {r: " ".join(f"{p.number}:{p.name}" for p in t) for r, t in out.pins.items()} == after
    assert [(f.code, f.where) for f in findings] == fixed


# (case, nets as written, components, library of each type, nets after, noconnects rows after)
NC_CONTACT_ROWS = [
    ("a relay's normally-closed contact wired to a terminal is a net",
     [("COM", "K1.1,J1.1"), ("NC", "K1.4,J1.3")], "K1:SANYOU_SRD_Form_C J1:Conn_01x03", "Relay",
     [("COM", "K1.1,J1.1"), ("NC", "K1.4,J1.3")], []),
    ("a switch's, by its library, whatever its reference",
     [("NC", "S1.3,R1.1")], "S1:SW_SPDT R1:R", "Switch", [("NC", "S1.3,R1.1")], []),
    ("a relay's by its reference when its library is unknown",
     [("N.C.", "RL1.4,J1.3")], "RL1:RELAY J1:Conn_01x03", "", [("N.C.", "RL1.4,J1.3")], []),
    ("a relay's unused contact alone is unconnected",
     [("COM", "K1.1,J1.1"), ("NC", "K1.4")], "K1:SANYOU_SRD_Form_C J1:Conn_01x03", "Relay",
     [("COM", "K1.1,J1.1")], ["K1.4"]),
    ("unused pins of two ICs are unconnected",
     [("VIN", "U1.1,U2.1"), ("NC", "U1.5,U2.3")], "U1:LM7805_TO220 U2:LM7805_TO220", "",
     [("VIN", "U1.1,U2.1")], ["U1.5", "U2.3"]),
    ("a row named NO_CONNECT is unconnected, relay or not",
     [("No_Connect", "K1.4,J1.3")], "K1:SANYOU_SRD_Form_C J1:Conn_01x03", "Relay", [], ["K1.4", "J1.3"]),
]


@pytest.mark.parametrize("case,nets,comps,lib,after,flagged", NC_CONTACT_ROWS, ids=[r[0] for r in NC_CONTACT_ROWS])
def test_an_nc_row_joining_a_contact_with_another_part_is_a_net(case, nets, comps, lib, after, flagged):
    """Answer 211: a relay's NC contact wired to a screw terminal, net NC, was marked not
    connected (the wrong circuit, accepted)."""
    def pins(c: Component):
        if c.type in LIBRARY:
            return library_pins(c)
        return (f"{lib}:{c.type}" if lib else f"pins{{{c.ref}}}", {str(n): ["~"] for n in range(1, 6)})
    out, _ = repair_nets(doc(nets, comps), pins)
    assert nets_of(out) == after
    assert [n.pin for n in out.noconnects] == flagged


@pytest.mark.parametrize("case,nets,comps,after,flagged,note", NO_CONNECT_ROWS, ids=[r[0] for r in NO_CONNECT_ROWS])
def test_no_connect_rows_become_noconnects(case, nets, comps, after, flagged, note):
    out, findings = repair_nets(doc(nets, comps), library_pins)
    assert nets_of(out) == after
    assert [(n.pin, n.x, n.y) for n in out.noconnects] == [(p, None, None) for p in flagged]
    assert note in [f.message for f in findings if f.code == "no-connect-net"]
    assert not [f for f in validate(out) if f.code in ("no-connect-in-net", "undeclared-part", "bad-pin-ref")]


@pytest.mark.parametrize("type_, written, after", [
    ("C_Polarized", "C1.+,C1.-", "C1.1,C1.2"),            # KiCad's pins have no names: 1 is +
    ("C_Polarized_Small_US", "C1.POS,C1.NEG", "C1.1,C1.2"),
    ("CP", "C1.-,C1.+", "C1.2,C1.1"),                     # KiCad 5's name, read as C_Polarized
    ("C", "C1.+,C1.-", "C1.+,C1.-"),                      # an unpolarised capacitor has no poles
])
def test_a_polarised_capacitors_poles_by_sign(symbol_index, type_, written, after):
    """Models write an electrolytic's pins as + and -; KiCad's polarised capacitors leave
    their two pins unnamed, pin 1 the positive one (the + drawn beside it)."""
    from tokn.resolve import SymbolResolver
    out, _ = repair_nets(doc([("VIN", written)], f"C1:{type_}"), resolver_pins(SymbolResolver(symbol_index)))
    assert nets_of(out) == [("VIN", after)]


# Names whose pin only the real symbol settles (its pins' electrical types, its footprint's
# name): (case, type, pins as written, pins after; unchanged when the name stays unsettled).
BY_LIBRARY_FACTS = [
    ("an ESP32 module's datasheet 3V3 is its one supply input, VDD", "ESP32-WROOM-32", "U1.3V3", "U1.2"),
    ("+3.3V the same", "ESP32-WROOM-32", "U1.+3.3V", "U1.2"),
    ("an RP2040's supplies have several names: 3V3 stays unsettled", "RP2040", "U1.3V3", "U1.3V3"),
    ("an STM32's VDD, VDDA and VBAT: 3V3 stays unsettled", "STM32F103C8Tx", "U1.3V3", "U1.3V3"),
    ("a SOT-223 regulator's TAB is the pin its footprint names (SOT-223-3_TabPin2)", "AMS1117-3.3", "U1.TAB",
     "U1.2"),
    ("its datasheet's pin 4, the tab, the same", "AMS1117-3.3", "U1.4", "U1.2"),
    ("pin 5 is no pin of it", "AMS1117-3.3", "U1.5", "U1.5"),
    ("a TO-220 regulator's footprint names no tab pin", "LM7805_TO220", "U1.TAB", "U1.TAB"),
    ("5V on an Arduino Nano is its +5V pin, not its VIN input", "Arduino_Nano_v3.x", "U1.5V", "U1.27"),
    ("3.3V on an Arduino Nano is its 3V3 pin", "Arduino_Nano_v3.x", "U1.3.3V", "U1.17"),
    ("a module whose one supply input is VIN: 5V stays unsettled", "Jadak_Thingmagic_M6e-Nano", "U1.5V", "U1.5V"),
    ("a Pico's supplies have several names: 5V stays unsettled", "RaspberryPi_Pico", "U1.5V", "U1.5V"),
]


@pytest.mark.parametrize("case,type_,written,after", BY_LIBRARY_FACTS, ids=[c[0] for c in BY_LIBRARY_FACTS])
def test_names_the_symbols_types_and_footprint_settle(symbol_index, case, type_, written, after):
    from tokn.resolve import SymbolResolver
    out, findings = repair_nets(doc([("N", f"{written},C1.1")], f"U1:{type_} C1:C"),
                                resolver_pins(SymbolResolver(symbol_index)))
    assert nets_of(out) == [("N", f"{after},C1.1")]
    assert [f.code for f in findings] == (["pin-name"] if after != written else [])
