#!/usr/bin/env python3
"""Ask a running KiCad schematic editor which IPC API requests it answers.

    python scripts/probe_kicad_api.py [SOCKET]      # e.g. ipc:///tmp/kicad/api.sock

Needs kicad-python (any of 0.6.0 to 0.8.x) in the Python that runs it, and a schematic open
in an eeschema whose API server is on (Preferences > Plugins > Enable KiCad API).  For the
KiCad 10 chroot (scripts/install-kicad10.sh) the socket is
``ipc://<root>/tmp/kicad/api.sock``.  Prints one line per request: ``OK`` with a short
answer, or ``ERR`` with KiCad's error (``no handler available`` = not offered).  Nothing is
changed in the schematic: the item-creation probe is made inside a commit that is dropped.

What it printed for KiCad 10.0.7 (Debian) with kicad-python 0.8.0 is in docs/plugin.md.
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from kipy import KiCad
    from kipy.proto.common.commands import editor_commands_pb2 as ed
    from kipy.proto.common.types import DocumentType, KiCadObjectType
    from kipy.proto.schematic import schematic_types_pb2 as st
    from kipy.util import pack_any

    kicad = KiCad(socket_path=argv[0] if argv else None, timeout_ms=5000)
    client = kicad._client

    def probe(name: str, call):
        try:
            answer = call()
        except Exception as e:           # noqa: BLE001 - report every refusal the same way
            print(f"ERR {name}: {type(e).__name__}: {str(e)[:160]}")
            return None
        print(f"OK  {name}: {str(answer)[:160]!r}")
        return answer

    probe("GetVersion", kicad.get_version)
    docs = probe("GetOpenDocuments(schematic)", lambda: kicad.get_open_documents(DocumentType.DOCTYPE_SCHEMATIC))
    if not docs:
        return 1
    doc = docs[0]

    def with_doc(msg, field: str = "header"):
        getattr(msg, field).document.CopyFrom(doc) if field == "header" else getattr(msg, field).CopyFrom(doc)
        return msg

    for kind in ("KOT_SCH_SYMBOL", "KOT_SCH_LINE", "KOT_SCH_LABEL"):
        msg = with_doc(ed.GetItems())
        msg.types.append(getattr(KiCadObjectType, kind))
        probe(f"GetItems({kind})", lambda m=msg: len(client.send(m, ed.GetItemsResponse).items))
    probe("GetSelection", lambda: client.send(with_doc(ed.GetSelection()), ed.SelectionResponse))
    probe("SaveDocumentToString",
          lambda: len(client.send(with_doc(ed.SaveDocumentToString(), "document"), ed.SavedDocumentResponse).contents))
    parse = with_doc(ed.ParseAndCreateItemsFromString(), "document")
    parse.contents = "(kicad_sch (version 20250114) (generator probe))"
    probe("ParseAndCreateItemsFromString", lambda: client.send(parse, ed.CreateItemsResponse))
    action = ed.RunAction()
    action.action = "eeschema.InteractiveSelection.ClearSelection"
    probe("RunAction", lambda: client.send(action, ed.RunActionResponse))

    commit = probe("BeginCommit", lambda: client.send(ed.BeginCommit(), ed.BeginCommitResponse))
    if commit is not None:
        names = list(st.DESCRIPTOR.message_types_by_name)
        create = with_doc(ed.CreateItems())
        for n in names:
            create.items.append(pack_any(getattr(st, n)()))
        result = probe("CreateItems", lambda: client.send(create, ed.CreateItemsResponse))
        if result is not None:
            for n, item in zip(names, result.created_items):
                print(f"    {n}: {ed.ItemStatusCode.Name(item.status.code)} {item.status.error_message[:80]}")
        end = ed.EndCommit()
        end.id.CopyFrom(commit.id)
        end.action = ed.CommitAction.CMA_DROP
        probe("EndCommit(drop)", lambda: client.send(end, ed.EndCommitResponse))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
