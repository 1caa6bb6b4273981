"""tokn: exact KiCad schematic <-> TOKN codec, validator and grounded circuit generation."""
__version__ = "0.1.0"
