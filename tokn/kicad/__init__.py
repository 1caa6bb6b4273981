"""Layer 2: typed KiCad schematics and symbol libraries, and connectivity as KiCad computes it."""
