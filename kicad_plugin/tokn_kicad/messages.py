"""User-facing texts for the situations the plugin explains instead of failing silently."""
from __future__ import annotations

API_DISABLED = (
    "Cannot reach KiCad's IPC API server.\n\n"
    "Turn it on in KiCad: Preferences > Preferences > Plugins > \"Enable KiCad API\", then "
    "restart KiCad and click the button again.\n\n"
    "(Details: {detail})")

NOT_FROM_KICAD = (
    "This plugin is started by KiCad's schematic editor (toolbar button).\n\n"
    "KICAD_API_SOCKET is not set, so no KiCad is listening for it. Enable the KiCad API "
    "(Preferences > Plugins) and use the button in the schematic editor.")

NO_SCHEMATIC = (
    "No schematic is open in KiCad.\n\n"
    "Open a schematic in the schematic editor, then click the button again.")

NO_ENDPOINT = (
    "No language-model endpoint is configured.\n\n"
    "Open \"Model settings\" and enter the endpoint URL (an OpenAI-compatible server such as "
    "https://api.openai.com/v1, or a local llama.cpp / Ollama / vLLM server), the model name "
    "and, if the server needs one, the API key. They are remembered for your user account "
    "(the key in a private file outside the project).")

MODEL_FAILED = "The language model could not be used:\n\n{detail}"

REFUSED = ("The model did not produce a valid circuit, so nothing will be inserted.\n\n{detail}")

CLIPBOARD_FAILED = (
    "The circuit could not be put on the clipboard: {detail}\n\n"
    "On Linux install xclip (X11) or wl-clipboard (Wayland), then try Insert again.")

PASTE_NOW = ("The circuit is on the clipboard.\n\n"
             "Click into the schematic editor and press Ctrl+V, then click to place it "
             "(one undo step: Ctrl+Z removes it again).")

PASTED = ("The circuit follows the mouse in the schematic editor: click to place it "
          "(Esc cancels, Ctrl+Z undoes it after placing).")

KEEP_OPEN = ("Keep this window open until you have pasted: on this system the clipboard "
             "lives only as long as the plugin runs.")

SCHEMATIC_UNKNOWN = ("The schematic's folder could not be found, so the references the design "
                     "already uses are not known and pasted ones may clash. Choose the file with "
                     "\"Browse...\", or leave references as R?, C? and annotate after pasting.")

NET_JOIN_NOTE = ("Power symbols ({power}) join the sheet's nets of the same name; global labels "
                 "({labels}) join global labels and power nets of the same name.")

FIXED_NOTE = ("{n} change(s) made to the model's answer before checking it (format normalised, pins "
              "written by name numbered, nets joined): see Checks, severity 'fixed'.")
