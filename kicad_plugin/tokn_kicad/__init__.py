"""The tokn KiCad 9 schematic-editor plugin: a thin wx shell around the tokn library.

Modules: :mod:`.kicad_link` (IPC API: which schematic is open), :mod:`.locate` (its path
on disk), :mod:`.session` (generation + paste fragment + preview, no GUI),
:mod:`.clipboard` (putting the fragment on the clipboard, optional Ctrl+V),
:mod:`.preview` (kicad-cli SVG -> picture), :mod:`.prefs` (the plugin's own choices),
:mod:`.status` (a machine-readable trace for tests), :mod:`.dialog` and :mod:`.app` (wx).
"""
IDENTIFIER = "org.tokn.generate"
TITLE = "Generate circuit (tokn)"
