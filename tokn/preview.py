"""Pictures of schematics: SVG through kicad-cli, PNG converted from it when a converter
(rsvg-convert, ImageMagick, or cairosvg) is available."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from .errors import ToknError
from .kicad.kicad_cli import export_svg


def export_preview(sch_path: str, svg_dir: str | None = None, png_path: str | None = None,
                   width: int = 1600) -> list[str]:
    """Export SVGs of every sheet to ``svg_dir`` and/or a PNG of the root sheet."""
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
            svg_to_png(root_svg, png_path, width)
            written.append(png_path)
    return written


def svg_to_png(svg: str, png: str, width: int = 1600) -> None:
    """Convert with the first available tool; raises ToknError naming what to install."""
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    if shutil.which("rsvg-convert"):
        cmd = ["rsvg-convert", "-w", str(width), "-b", "white", "-o", png, svg]
    elif shutil.which("convert"):
        cmd = ["convert", "-density", "150", "-background", "white", "-flatten", svg, "-resize", f"{width}x", png]
    else:
        try:
            import cairosvg  # type: ignore
        except ImportError:
            raise ToknError("no SVG-to-PNG converter found (install librsvg2-bin or imagemagick)", svg) from None
        cairosvg.svg2png(url=svg, write_to=png, output_width=width, background_color="white")
        return
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(png):
        raise ToknError(f"PNG conversion failed: {(r.stderr or r.stdout).strip()[:200]}", svg)
