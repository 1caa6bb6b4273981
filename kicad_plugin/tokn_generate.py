"""Entry point KiCad runs for the toolbar button (see plugin.json).

KiCad 9 starts it with the plugin's own virtual environment, the plugin folder as working
directory, and ``KICAD_API_SOCKET`` / ``KICAD_API_TOKEN`` set.  The installed package
carries the tokn library beside this file (``tokn/``); in a source checkout the repository
root (the folder above ``kicad_plugin/``) provides it instead.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
if not os.path.isdir(os.path.join(HERE, "tokn")):
    repo = os.path.dirname(HERE)
    if os.path.isdir(os.path.join(repo, "tokn")) and repo not in sys.path:
        sys.path.insert(1, repo)

from tokn_kicad.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
