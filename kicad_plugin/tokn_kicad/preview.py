"""A picture of the circuit before it is inserted.

:func:`render_svg` writes the fragment's stand-alone sheet, exports it with
``kicad-cli sch export svg`` and crops the SVG to the circuit (KiCad's SVG user unit is
the millimetre, so the fragment's bounding box is the new viewBox).  :func:`svg_to_png`
turns it into a PNG with wx's SVG renderer or the converters :mod:`tokn.preview` uses
(``rsvg-convert``, ImageMagick, cairosvg); it returns None when none is available and the
dialog shows text instead.
"""
from __future__ import annotations

import os
import tempfile
from typing import Optional

Box = tuple[float, float, float, float]
MARGIN = 5.0          # mm around the circuit


def render_svg(sheet_text: str, bbox: Box, out_path: str) -> str:
    """Export ``sheet_text`` (a .kicad_sch) to ``out_path`` as SVG cropped to ``bbox`` (mm).

    Raises ``tokn.kicad.kicad_cli.KicadCliError`` when kicad-cli is missing or fails.
    """
    from tokn.kicad import kicad_cli
    with tempfile.TemporaryDirectory(prefix="tokn-preview-") as td:
        sch = os.path.join(td, "preview.kicad_sch")
        with open(sch, "w", encoding="utf-8") as f:
            f.write(sheet_text)
        files = kicad_cli.export_svg(sch, os.path.join(td, "svg"), timeout=60)
        if not files:
            raise kicad_cli.KicadCliError("kicad-cli wrote no SVG", sch)
        with open(files[0], encoding="utf-8") as f:
            svg = f.read()
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(crop_svg(svg, bbox))
    return out_path


def crop_svg(svg: str, bbox: Box, margin: float = MARGIN) -> str:
    """``svg`` (KiCad's, in mm) showing only ``bbox`` plus ``margin``
    (:func:`tokn.preview.crop_svg_text`)."""
    from tokn.preview import crop_svg_text
    return crop_svg_text(svg, bbox, margin)


def svg_size_px(bbox: Box, max_w: int, max_h: int, margin: float = MARGIN) -> tuple[int, int]:
    """Pixel size that fits the cropped picture into ``max_w`` x ``max_h`` (aspect kept)."""
    w, h = bbox[2] - bbox[0] + 2 * margin, bbox[3] - bbox[1] + 2 * margin
    scale = min(max_w / max(w, 1e-3), max_h / max(h, 1e-3))
    return max(1, int(w * scale)), max(1, int(h * scale))


def svg_to_png(svg_path: str, png_path: str, width: int, height: int) -> Optional[str]:
    """Rasterise ``svg_path`` to ``png_path``; returns the renderer used, or None when
    there is none (the dialog then shows text).  wx's own SVG renderer first (inside
    KiCad), then the converters of :func:`tokn.preview.svg_to_png`."""
    try:
        import wx
        import wx.svg
        if wx.GetApp() is not None:
            img = wx.svg.SVGimage.CreateFromFile(svg_path)
            bmp = img.ConvertToScaledBitmap(wx.Size(width, height))
            if bmp.IsOk() and bmp.SaveFile(png_path, wx.BITMAP_TYPE_PNG):
                return "wx"
    except Exception:                  # noqa: BLE001 - any failure: try the next renderer
        pass
    from tokn.errors import ToknError
    from tokn.preview import svg_to_png as convert
    try:
        return convert(svg_path, png_path, width, height)
    except ToknError:
        return None
