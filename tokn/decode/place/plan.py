"""Which small parts hang on which pins: the attachment plan of a layout.

Every unit that is not a leaf (ICs, connectors, transistors) roots a cluster.  Leaves
(two-terminal parts, test points) are attached, breadth first from all roots at once, to
the unit they share a small signal net with (at most ``SMALL_NET`` pins): a pull-up hangs
on the MCU pin it serves, an LED's resistor on the LED.  Leaves on power nets only
(decoupling capacitors) go to the unit with a pin on their supply net that has fewest such
capacitors so far.  Leaves reached by nothing root clusters of their own.  Many-pin signal
nets and power nets otherwise stay drawn by labels and power symbols.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ...doc.naming import natural_key
from ..stubs import is_ground, is_power_net
from .units import Unit

SMALL_NET = 4          # signal nets with more pins than this are drawn with labels
MAX_CHILDREN = 8       # leaves hung on one unit
MAX_DEPTH = 3          # hub -> leaf -> leaf -> leaf


@dataclass
class Plan:
    """``roots`` in drawing order; ``children[parent key]`` = [(leaf, net it hangs by)]."""
    roots: list[Unit]
    children: dict[str, list[tuple[Unit, str]]] = field(default_factory=dict)


def make_plan(units: list[Unit], wires: bool = True) -> Plan:
    """The attachment plan; with ``wires`` False every unit is its own cluster."""
    if not wires:
        return Plan(_order(units))
    members: dict[str, list[Unit]] = {}
    for u in units:
        for net in set(u.nets[p.number] for p in u.pins):
            members.setdefault(net, []).append(u)
    supply = {u.nets[p.number] for u in units for p in u.pins if p.type in ("power_in", "power_out")}

    def power_like(net: str) -> bool:
        return is_power_net(net) or net in supply

    hubs = sorted((u for u in units if not u.leaf), key=lambda u: (-len(u.pins), natural_key(u.ref), u.unit))
    plan = Plan([])
    placed: dict[str, int] = {}          # unit key -> depth
    queue: deque[Unit] = deque()
    for h in hubs:
        placed[h.key] = 0
        queue.append(h)

    def attach(parent: Unit, leaf: Unit, net: str) -> None:
        plan.children.setdefault(parent.key, []).append((leaf, net))
        placed[leaf.key] = placed[parent.key] + 1
        queue.append(leaf)

    def grow() -> None:
        while queue:
            u = queue.popleft()
            if placed[u.key] >= MAX_DEPTH:
                continue
            for p in u.pins:
                net = u.nets[p.number]
                if power_like(net) or len(members[net]) > SMALL_NET:
                    continue
                for leaf in sorted(members[net], key=lambda v: natural_key(v.ref)):
                    if leaf.leaf and leaf.key not in placed and len(plan.children.get(u.key, ())) < MAX_CHILDREN:
                        attach(u, leaf, net)

    grow()
    decoupling: dict[str, int] = {}
    for leaf in units:
        if not leaf.leaf or leaf.key in placed or len(leaf.pins) != 2:
            continue
        nets = [leaf.nets[p.number] for p in leaf.pins]
        if not all(power_like(n) for n in nets):
            continue
        rail = next((n for n in nets if not is_ground(n)), nets[0])
        hosts = [h for h in hubs if any(h.nets[p.number] == rail for p in h.pins)
                 and len(plan.children.get(h.key, ())) < MAX_CHILDREN]
        if hosts:
            host = min(hosts, key=lambda h: decoupling.get(h.key, 0))
            decoupling[host.key] = decoupling.get(host.key, 0) + 1
            attach(host, leaf, rail)
    grow()
    islands = []
    for leaf in sorted((u for u in units if u.key not in placed), key=lambda u: natural_key(u.ref)):
        if leaf.key in placed:
            continue
        placed[leaf.key] = 0
        islands.append(leaf)
        queue.append(leaf)
        grow()
    plan.roots = _order(hubs) + islands
    return plan


def _order(units: list[Unit]) -> list[Unit]:
    """Breadth first over shared signal nets from the unit with most pins, so that
    clusters that talk to each other are packed near each other."""
    by_net: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        for net in set(u.nets.values()):
            if not is_power_net(net):
                by_net.setdefault(net, []).append(i)
    seen: set[int] = set()
    out: list[Unit] = []
    for start in sorted(range(len(units)), key=lambda i: (-len(units[i].pins), natural_key(units[i].ref),
                                                          units[i].unit)):
        if start in seen:
            continue
        q = deque([start])
        seen.add(start)
        while q:
            i = q.popleft()
            out.append(units[i])
            nbrs: set[int] = set()
            for net in set(units[i].nets.values()):
                nbrs.update(by_net.get(net, ()))
            for j in sorted(nbrs - seen, key=lambda j: (natural_key(units[j].ref), units[j].unit)):
                seen.add(j)
                q.append(j)
    return out
