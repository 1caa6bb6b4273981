"""Pictures of schematics: SVG through kicad-cli, PNG converted from it when a converter
(rsvg-convert, ImageMagick, or cairosvg) is available.  The PNG shows the circuit, not the
page: it is cropped to what is drawn on the root sheet, with a margin."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

from .errors import ToknError
from .kicad.kicad_cli import export_svg


CROP_MARGIN = 5.08          # mm around the drawing in a cropped PNG


def drawing_box(sch_path: str) -> tuple[float, float, float, float] | None:
    """The box (mm, sheet coordinates) around everything drawn on the sheet ``sch_path``:
    symbols with their pins, visible fields, labels, wires, junctions and no-connects."""
    from .kicad import drawcheck
    sch, tree = drawcheck.load_sheet(sch_path)
    ext = drawcheck.extent(sch, drawcheck.item_boxes(sch, tree))
    for s in sch.sheets:
        box = (s.x, s.y, s.x + s.w, s.y + s.h)
        ext = box if ext is None else (min(ext[0], box[0]), min(ext[1], box[1]),
                                       max(ext[2], box[2]), max(ext[3], box[3]))
    return ext


def crop_svg_text(svg: str, box: tuple[float, float, float, float], margin: float = CROP_MARGIN) -> str:
    """A kicad-cli SVG (whose viewBox is the page in mm) showing only ``box`` plus
    ``margin``, clipped to the page; ``svg`` unchanged when it has no viewBox or the box
    lies off the page."""
    m = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    if m is None:
        return svg
    px0, py0, pw, ph = (float(v) for v in m.groups())
    x0, y0 = max(px0, box[0] - margin), max(py0, box[1] - margin)
    x1, y1 = min(px0 + pw, box[2] + margin), min(py0 + ph, box[3] + margin)
    if x1 <= x0 or y1 <= y0:
        return svg
    w, h = x1 - x0, y1 - y0
    head = svg[:m.end()]
    head = re.sub(r'width="[\d.]+mm"', f'width="{w:.4f}mm"', head, count=1)
    head = re.sub(r'height="[\d.]+mm"', f'height="{h:.4f}mm"', head, count=1)
    head = head[:-len(m.group(0))] + f'viewBox="{x0:.4f} {y0:.4f} {w:.4f} {h:.4f}"'
    return head + svg[m.end():]


def crop_svg(svg_path: str, box: tuple[float, float, float, float], margin: float = CROP_MARGIN) -> None:
    """:func:`crop_svg_text` applied to the file ``svg_path`` (in place)."""
    with open(svg_path, encoding="utf-8") as f:
        svg = f.read()
    cropped = crop_svg_text(svg, box, margin)
    if cropped != svg:
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(cropped)


def export_preview(sch_path: str, svg_dir: str | None = None, png_path: str | None = None,
                   width: int = 1600, crop: bool = True) -> list[str]:
    """Export SVGs of every sheet to ``svg_dir`` and/or a PNG of the root sheet (cropped to
    the drawing with a margin unless ``crop`` is False; the SVGs stay whole pages)."""
    written: list[str] = []
    with tempfile.TemporaryDirectory() as td:
        out_dir = svg_dir or td
        svgs = export_svg(sch_path, out_dir)
        if svg_dir:
            written += svgs
        if png_path:
            stem = os.path.splitext(os.path.basename(sch_path))[0]
            root_svg = next((s for s in svgs if os.path.basename(s) == stem + ".svg"), svgs[0] if svgs else None)
            if root_svg is None:
                raise ToknError("kicad-cli exported no SVG", sch_path)
            box = drawing_box(sch_path) if crop else None
            if box is not None:
                cropped = os.path.join(td, "cropped.svg")
                shutil.copyfile(root_svg, cropped)
                crop_svg(cropped, box)
                root_svg = cropped
            svg_to_png(root_svg, png_path, width)
            written.append(png_path)
    return written


def svg_to_png(svg: str, png: str, width: int = 1600, height: int | None = None) -> str:
    """Convert ``svg`` to ``png`` (``width`` pixels wide; with ``height``, fitted into
    ``width`` x ``height``, aspect kept) with the first available tool: rsvg-convert,
    ImageMagick's convert, cairosvg.  Returns the tool's name; raises ToknError naming what
    to install when there is none, or the tool's message when it fails."""
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    size = ["-w", str(width)] + (["-h", str(height), "--keep-aspect-ratio"] if height else [])
    fit = f"{width}x{height}" if height else f"{width}x"
    if shutil.which("rsvg-convert"):
        name, cmd = "rsvg-convert", ["rsvg-convert", *size, "-b", "white", "-o", png, svg]
    elif shutil.which("convert"):
        name, cmd = "convert", ["convert", "-density", "150", "-background", "white", "-flatten", svg,
                                "-resize", fit, png]
    else:
        try:
            import cairosvg  # type: ignore
        except ImportError:
            raise ToknError("no SVG-to-PNG converter found (install librsvg2-bin or imagemagick)", svg) from None
        kw = {"output_height": height} if height else {}
        cairosvg.svg2png(url=svg, write_to=png, output_width=width, background_color="white", **kw)
        return "cairosvg"
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise ToknError(f"PNG conversion failed: {e}", svg) from None
    if r.returncode != 0 or not os.path.exists(png) or os.path.getsize(png) == 0:
        raise ToknError(f"PNG conversion failed: {(r.stderr or r.stdout).strip()[:200]}", svg)
    return name
