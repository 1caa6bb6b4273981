"""Placement and short wiring for documents without a drawing (see docs/layout.md).

``units`` turns a document into placeable units, ``plan`` decides which small parts hang
on which pins, ``cluster`` draws one part with the parts planned around it into a
collision map (``occupancy``), ``pack`` arranges the clusters on the sheet.
"""
