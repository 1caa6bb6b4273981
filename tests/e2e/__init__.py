"""Helpers for the headless end-to-end test of the KiCad plugin (see harness.py)."""
