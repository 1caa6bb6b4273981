"""The plugin's window (wxPython): prompt, options, model settings, progress, checks, preview.

Keys: Ctrl+Enter generates, Ctrl+I inserts, Ctrl+1/2/3 show the Preview, Checks and TOKN
tabs, Esc stops a running request or closes.
Generation runs in a worker thread (:func:`.session.run_job`); its progress reaches the
window through ``wx.CallAfter``.  Insert puts the fragment on the clipboard and, when
allowed (X11 + xdotool), presses Ctrl+V in the schematic editor; the pasted circuit then
follows the mouse until the user clicks.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Optional

import wx
import wx.lib.scrolledpanel as scrolled

from . import TITLE, clipboard, messages, prefs as prefs_mod, session
from .preview import svg_size_px, svg_to_png
from .status import trace

PREVIEW_W, PREVIEW_H = 720, 300


@dataclass
class Context:
    """What the window works on: the open schematic (``path`` None when its folder is
    unknown), tokn settings, the plugin's own preferences and a scratch folder."""
    schematic_name: str
    schematic_path: Optional[str]
    settings: Any
    prefs: prefs_mod.PluginPrefs
    workdir: str
    settings_error: str = ""


class GenerateFrame(wx.Frame):
    def __init__(self, ctx: Context) -> None:
        super().__init__(None, title=f"{TITLE} - {ctx.schematic_name}", size=(800, 820),
                         style=wx.DEFAULT_FRAME_STYLE)
        self.ctx = ctx
        self.outcome: Optional[session.Outcome] = None
        self.cancel: Optional[threading.Event] = None
        self.worker: Optional[threading.Thread] = None
        self.closing = False
        self.keep_clipboard = False
        panel = wx.Panel(self)
        self.panel = panel
        root = wx.BoxSizer(wx.VERTICAL)
        root.Add(self._schematic_row(panel), 0, wx.EXPAND | wx.ALL, 8)
        root.Add(wx.StaticText(panel, label="Describe the circuit to add to this schematic:"), 0, wx.LEFT | wx.RIGHT, 8)
        self.prompt = wx.TextCtrl(panel, value=ctx.prefs.last_prompt, style=wx.TE_MULTILINE, size=(-1, 70))
        self.prompt.SetHint("e.g. 5V regulator from 12V with an LM7805 and its capacitors")
        root.Add(self.prompt, 0, wx.EXPAND | wx.ALL, 8)
        root.Add(self._options_row(panel), 0, wx.EXPAND | wx.LEFT | wx.RIGHT, 8)
        root.Add(self._settings_pane(panel), 0, wx.EXPAND | wx.ALL, 8)
        root.Add(self._progress_row(panel), 0, wx.EXPAND | wx.LEFT | wx.RIGHT, 8)
        root.Add(self._results(panel), 1, wx.EXPAND | wx.ALL, 8)
        root.Add(self._buttons(panel), 0, wx.EXPAND | wx.LEFT | wx.RIGHT | wx.BOTTOM, 8)
        panel.SetSizer(root)
        self._accelerators()
        self.Bind(wx.EVT_CLOSE, self.on_close)
        self.timer = wx.Timer(self)
        self.Bind(wx.EVT_TIMER, lambda _e: self.gauge.Pulse(), self.timer)
        self._update_buttons()
        self.prompt.SetFocus()
        self.prompt.SetInsertionPointEnd()
        if not session.endpoint_configured(ctx.settings) or ctx.settings_error:
            self.settings_pane.Expand()
            self.set_status(ctx.settings_error or "No model endpoint configured yet: fill in Model settings.")
        elif ctx.schematic_path is None:
            self.set_status(messages.SCHEMATIC_UNKNOWN)

    # ---- layout -------------------------------------------------------------------------------
    def _schematic_row(self, parent: wx.Window) -> wx.Sizer:
        row = wx.BoxSizer(wx.HORIZONTAL)
        self.sch_label = wx.StaticText(parent, label=self._schematic_text())
        row.Add(self.sch_label, 1, wx.ALIGN_CENTER_VERTICAL)
        browse = wx.Button(parent, label="Browse...")
        browse.Bind(wx.EVT_BUTTON, self.on_browse)
        row.Add(browse, 0, wx.LEFT, 8)
        return row

    def _schematic_text(self) -> str:
        path = self.ctx.schematic_path or "(folder unknown: references are not checked)"
        return f"Schematic: {self.ctx.schematic_name}\n{path}"

    def _options_row(self, parent: wx.Window) -> wx.Sizer:
        s = self.ctx.settings
        col = wx.BoxSizer(wx.VERTICAL)
        row = wx.BoxSizer(wx.HORIZONTAL)
        row.Add(wx.StaticText(parent, label="Examples in the prompt:"), 0, wx.ALIGN_CENTER_VERTICAL)
        self.fewshot = wx.SpinCtrl(parent, min=0, max=8, initial=int(s.fewshot_k), size=(110, -1))
        row.Add(self.fewshot, 0, wx.LEFT | wx.RIGHT, 8)
        self.grounding = wx.CheckBox(parent, label="Give the model the parts' real pin tables")
        self.grounding.SetValue(bool(s.grounding))
        row.Add(self.grounding, 0, wx.ALIGN_CENTER_VERTICAL | wx.LEFT, 16)
        col.Add(row, 0, wx.BOTTOM, 4)
        self.unannotated = wx.CheckBox(parent, label="Leave references as R?, C? (then use Tools > Annotate Schematic)")
        self.unannotated.SetValue(self.ctx.prefs.unannotated)
        col.Add(self.unannotated, 0, wx.BOTTOM, 4)
        self.autopaste = wx.CheckBox(parent, label="Paste into the editor automatically (otherwise press Ctrl+V there)")
        can = clipboard.can_autopaste()
        self.autopaste.SetValue(self.ctx.prefs.autopaste and can)
        self.autopaste.Enable(can)
        if not can:
            self.autopaste.SetToolTip("Needs X11 and xdotool; otherwise press Ctrl+V yourself.")
        col.Add(self.autopaste, 0)
        return col

    def _settings_pane(self, parent: wx.Window) -> wx.Window:
        from tokn.generate.config import key_path, read_api_key
        s = self.ctx.settings
        self.settings_pane = wx.CollapsiblePane(parent, label="Model settings",
                                                style=wx.CP_DEFAULT_STYLE | wx.CP_NO_TLW_RESIZE)
        self.settings_pane.Bind(wx.EVT_COLLAPSIBLEPANE_CHANGED, lambda _e: self.panel.Layout())
        pane = self.settings_pane.GetPane()
        grid = wx.FlexGridSizer(4, 2, 4, 8)
        grid.AddGrowableCol(1)
        grid.Add(wx.StaticText(pane, label="Endpoint URL:"), 0, wx.ALIGN_CENTER_VERTICAL)
        self.base_url = wx.TextCtrl(pane, value=s.base_url)
        grid.Add(self.base_url, 1, wx.EXPAND)
        grid.Add(wx.StaticText(pane, label="Model:"), 0, wx.ALIGN_CENTER_VERTICAL)
        self.model = wx.TextCtrl(pane, value=s.model)
        grid.Add(self.model, 1, wx.EXPAND)
        grid.Add(wx.StaticText(pane, label="API key:"), 0, wx.ALIGN_CENTER_VERTICAL)
        self.api_key = wx.TextCtrl(pane, style=wx.TE_PASSWORD)
        have = bool(s.api_key) or bool(read_api_key())
        self.api_key.SetHint("a key is saved (type to replace)" if have else "none (local servers need none)")
        self.api_key.SetToolTip(f"Stored only in {key_path()} (readable by you only), never in the project.")
        grid.Add(self.api_key, 1, wx.EXPAND)
        grid.AddSpacer(1)
        save = wx.Button(pane, label="Save settings")
        save.Bind(wx.EVT_BUTTON, self.on_save_settings)
        grid.Add(save, 0)
        pane.SetSizer(grid)
        return self.settings_pane

    def _progress_row(self, parent: wx.Window) -> wx.Sizer:
        row = wx.BoxSizer(wx.VERTICAL)
        self.gauge = wx.Gauge(parent, range=100, size=(-1, 12))
        row.Add(self.gauge, 0, wx.EXPAND)
        self.status = wx.StaticText(parent, label="Ready.")
        row.Add(self.status, 0, wx.EXPAND | wx.TOP, 4)
        return row

    def _results(self, parent: wx.Window) -> wx.Window:
        self.book = wx.Notebook(parent)
        self.preview_panel = scrolled.ScrolledPanel(self.book)
        self.preview_sizer = wx.BoxSizer(wx.VERTICAL)
        self.preview_bitmap = wx.StaticBitmap(self.preview_panel)
        self.preview_text = wx.StaticText(self.preview_panel, label="The circuit will be shown here before it is inserted.")
        self.preview_sizer.Add(self.preview_bitmap, 0, wx.ALL, 4)
        self.preview_sizer.Add(self.preview_text, 0, wx.ALL | wx.EXPAND, 4)
        self.preview_panel.SetSizer(self.preview_sizer)
        self.preview_panel.SetupScrolling()
        self.book.AddPage(self.preview_panel, "Preview")
        self.checks = wx.ListCtrl(self.book, style=wx.LC_REPORT | wx.LC_SINGLE_SEL)
        self.checks.InsertColumn(0, "Severity", width=80)
        self.checks.InsertColumn(1, "Check", width=160)
        self.checks.InsertColumn(2, "Finding", width=520)
        self.book.AddPage(self.checks, "Checks")
        self.tokn_text = wx.TextCtrl(self.book, style=wx.TE_MULTILINE | wx.TE_READONLY | wx.HSCROLL)
        self.tokn_text.SetFont(wx.Font(9, wx.FONTFAMILY_TELETYPE, wx.FONTSTYLE_NORMAL, wx.FONTWEIGHT_NORMAL))
        self.book.AddPage(self.tokn_text, "TOKN")
        return self.book

    def _buttons(self, parent: wx.Window) -> wx.Sizer:
        row = wx.BoxSizer(wx.HORIZONTAL)
        self.generate_btn = wx.Button(parent, label="&Generate  (Ctrl+Enter)")
        self.stop_btn = wx.Button(parent, label="&Stop")
        self.insert_btn = wx.Button(parent, label="&Insert into schematic  (Ctrl+I)")
        close = wx.Button(parent, wx.ID_CLOSE, label="Close")
        self.generate_btn.Bind(wx.EVT_BUTTON, self.on_generate)
        self.stop_btn.Bind(wx.EVT_BUTTON, self.on_stop)
        self.insert_btn.Bind(wx.EVT_BUTTON, self.on_insert)
        close.Bind(wx.EVT_BUTTON, lambda _e: self.Close())
        row.Add(self.generate_btn, 0)
        row.Add(self.stop_btn, 0, wx.LEFT, 6)
        row.AddStretchSpacer(1)
        row.Add(self.insert_btn, 0)
        row.Add(close, 0, wx.LEFT, 6)
        return row

    def _accelerators(self) -> None:
        ids = {name: wx.NewIdRef() for name in ("gen", "ins", "esc", "tab0", "tab1", "tab2")}
        self.Bind(wx.EVT_MENU, self.on_generate, id=ids["gen"])
        self.Bind(wx.EVT_MENU, self.on_insert, id=ids["ins"])
        self.Bind(wx.EVT_MENU, self.on_escape, id=ids["esc"])
        entries = [(wx.ACCEL_CTRL, wx.WXK_RETURN, ids["gen"]), (wx.ACCEL_CTRL, wx.WXK_NUMPAD_ENTER, ids["gen"]),
                   (wx.ACCEL_CTRL, ord("I"), ids["ins"]), (wx.ACCEL_NORMAL, wx.WXK_ESCAPE, ids["esc"])]
        for page in range(3):                       # Ctrl+1/2/3: Preview, Checks, TOKN
            self.Bind(wx.EVT_MENU, lambda _e, p=page: self.book.SetSelection(p), id=ids[f"tab{page}"])
            entries.append((wx.ACCEL_CTRL, ord(str(page + 1)), ids[f"tab{page}"]))
        self.SetAcceleratorTable(wx.AcceleratorTable(entries))

    # ---- state --------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def _update_buttons(self) -> None:
        running = self.busy()
        self.generate_btn.Enable(not running)
        self.stop_btn.Enable(running)
        self.insert_btn.Enable(not running and self.outcome is not None and self.outcome.ok)

    def set_status(self, text: str) -> None:
        self.status.SetLabel(text)
        self.status.Wrap(max(200, self.GetClientSize().width - 24))
        self.panel.Layout()

    def current_settings(self):
        """Settings as shown in the window (typed key, else the saved one)."""
        key = self.api_key.GetValue().strip() or None
        return self.ctx.settings.replace(base_url=self.base_url.GetValue().strip().rstrip("/") or None,
                                         model=self.model.GetValue().strip() or None,
                                         fewshot_k=int(self.fewshot.GetValue()),
                                         grounding=bool(self.grounding.GetValue()), api_key=key)

    # ---- events -------------------------------------------------------------------------------
    def on_browse(self, _evt: wx.Event) -> None:
        start = os.path.dirname(self.ctx.schematic_path or "") or os.getcwd()
        with wx.FileDialog(self, "Open schematic (the one being edited)", defaultDir=start,
                           defaultFile=self.ctx.schematic_name,
                           wildcard="KiCad schematics (*.kicad_sch)|*.kicad_sch",
                           style=wx.FD_OPEN | wx.FD_FILE_MUST_EXIST) as dlg:
            if dlg.ShowModal() == wx.ID_OK:
                self.ctx.schematic_path = dlg.GetPath()
                self.sch_label.SetLabel(self._schematic_text())
                self.panel.Layout()

    def on_save_settings(self, _evt: wx.Event) -> None:
        from tokn.generate.config import ConfigError
        try:
            files = session.save_settings(self.base_url.GetValue(), self.model.GetValue(),
                                          self.fewshot.GetValue(), self.grounding.GetValue(),
                                          self.api_key.GetValue().strip() or None)
            self.ctx.settings = session.load_settings()
            self.api_key.SetValue("")
            self.api_key.SetHint("a key is saved (type to replace)" if self.ctx.settings.api_key
                                 else "none (local servers need none)")
            self.set_status("Settings saved: " + ", ".join(files))
            trace("settings-saved", files=files)
        except (ConfigError, OSError) as e:
            wx.MessageBox(f"The settings were not saved: {e}", TITLE, wx.ICON_ERROR, self)

    def on_generate(self, _evt: wx.Event) -> None:
        if self.busy():
            return
        prompt = self.prompt.GetValue().strip()
        if not prompt:
            self.set_status("Describe the circuit first.")
            self.prompt.SetFocus()
            return
        from tokn.generate.config import ConfigError
        try:
            settings = self.current_settings()
        except ConfigError as e:
            self.settings_pane.Expand()
            self.panel.Layout()
            self.set_status(f"Model settings: {e.message}")
            return
        if not session.endpoint_configured(settings):
            self.settings_pane.Expand()
            self.panel.Layout()
            self.set_status("No model endpoint configured.")
            wx.MessageBox(messages.NO_ENDPOINT, TITLE, wx.ICON_WARNING, self)
            trace("error", kind="no-endpoint")
            return
        self.ctx.prefs.last_prompt = prompt
        self._save_prefs()
        self.outcome = None
        self.checks.DeleteAllItems()
        self.tokn_text.SetValue("")
        self.preview_bitmap.SetBitmap(wx.NullBitmap)
        self.preview_text.SetLabel("Working...")
        self.cancel = threading.Event()
        trace("prompt", prompt=prompt, fewshot_k=settings.fewshot_k, grounding=settings.grounding)
        args = (prompt, settings, self.ctx.schematic_path, self.unannotated.GetValue(), self.ctx.workdir,
                self._progress_from_worker, self.cancel)
        self.worker = threading.Thread(target=self._work, args=args, name="tokn-generate", daemon=True)
        self.set_status(f"Asking {settings.model} at {settings.base_url} ...")
        self.timer.Start(120)
        self.worker.start()
        self._update_buttons()

    def _work(self, *args: Any) -> None:
        out = session.run_job(*args)
        wx.CallAfter(self._finished, out)

    def _progress_from_worker(self, p: Any) -> None:
        wx.CallAfter(self._progress, p)

    def _progress(self, p: Any) -> None:
        if self.closing:
            return
        labels = {"prepare": "Loading symbol libraries and examples", "ground": "Looking up the parts' pins",
                  "retrieve": "Choosing examples", "request": "Waiting for the model",
                  "stream": "Receiving the answer", "think": "The model is reasoning", "retry": "Retrying",
                  "check": "Checking the circuit", "repair": "Asking the model to fix problems", "done": "Done"}
        text = labels.get(p.stage, p.stage)
        if p.stage in ("stream", "think") and p.chars:
            text += f" ({p.chars} characters)"
        elif p.message and p.stage not in ("stream", "think"):
            text += f": {p.message}"
        if p.round:
            text += f"  [round {p.round}]"
        self.set_status(text)

    def _finished(self, out: session.Outcome) -> None:
        if self.closing:
            return
        self.timer.Stop()
        self.gauge.SetValue(100 if out.ok else 0)
        self.outcome = out
        self._show_findings(out)
        if out.result is not None and getattr(out.result, "tokn_text", None):
            self.tokn_text.SetValue(out.result.tokn_text)
        if out.cancelled:
            self.set_status("Stopped.")
            self.preview_text.SetLabel("Stopped.")
        elif out.error:
            self.set_status(out.error.split("\n")[0])
            self.preview_text.SetLabel(out.error)
            trace("error", kind="generation", message=out.error)
            wx.MessageBox(out.error, TITLE, wx.ICON_ERROR, self)
        elif out.refusal:
            self.set_status("The model's circuit did not pass the checks: nothing to insert (see Checks).")
            self.preview_text.SetLabel(out.refusal)
            self.book.SetSelection(1)
            trace("refused", refusal=out.refusal)
        else:
            self._show_preview(out)
            notes = " ".join(out.notes)
            self.set_status("Checked circuit ready: press Insert (Ctrl+I)." + (f"  {notes}" if notes else ""))
            self.insert_btn.SetFocus()
        self.preview_panel.Layout()
        self.preview_panel.SetupScrolling(scrollToTop=False)
        self._update_buttons()

    def _show_findings(self, out: session.Outcome) -> None:
        self.checks.DeleteAllItems()
        for f in out.findings:
            i = self.checks.InsertItem(self.checks.GetItemCount(), f.severity)
            self.checks.SetItem(i, 1, f.code)
            self.checks.SetItem(i, 2, f.message + (f" ({f.where})" if f.where else ""))
        if not out.findings and out.result is not None:
            i = self.checks.InsertItem(0, "ok")
            self.checks.SetItem(i, 2, "No findings: parsed, validated, decoded and ERC-checked.")
        if self.checks.GetItemCount():
            self.checks.SetColumnWidth(1, wx.LIST_AUTOSIZE)
            self.checks.SetColumnWidth(2, wx.LIST_AUTOSIZE)

    def _show_preview(self, out: session.Outcome) -> None:
        frag = out.fragment
        text = session.summary(frag)
        shown = False
        if out.svg:
            w, h = svg_size_px(frag.bbox, PREVIEW_W, PREVIEW_H)
            png = os.path.join(self.ctx.workdir, "preview.png")
            if svg_to_png(out.svg, png, w, h):
                bmp = wx.Bitmap(png, wx.BITMAP_TYPE_PNG)
                if bmp.IsOk():
                    self.preview_bitmap.SetBitmap(bmp)
                    shown = True
        if not shown:
            text = "(No picture available: " + "; ".join(out.notes or ["no SVG renderer"]) + ")\n" + text
        self.preview_text.SetLabel(text)
        self.preview_text.Wrap(PREVIEW_W)
        trace("preview", picture=shown, summary=text)

    def on_stop(self, _evt: wx.Event) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.set_status("Stopping...")

    def on_escape(self, _evt: wx.Event) -> None:
        if self.busy():
            self.on_stop(_evt)
        else:
            self.Close()

    def on_insert(self, _evt: wx.Event) -> None:
        if self.busy() or self.outcome is None or not self.outcome.ok:
            return
        frag = self.outcome.fragment
        try:
            copied = clipboard.copy(frag.text)
        except clipboard.ClipboardError as e:
            trace("error", kind="clipboard", message=str(e))
            wx.MessageBox(messages.CLIPBOARD_FAILED.format(detail=e), TITLE, wx.ICON_ERROR, self)
            return
        trace("copied", tool=copied.tool, persistent=copied.persistent, refs=frag.refs)
        self.ctx.prefs.unannotated = self.unannotated.GetValue()
        self.ctx.prefs.autopaste = self.autopaste.GetValue()
        self._save_prefs()
        if self.autopaste.GetValue() and self.autopaste.IsEnabled():
            self.Hide()
            wx.Yield()
            if clipboard.autopaste(self.ctx.schematic_name):
                trace("pasted", how="xdotool")
                if copied.persistent:
                    self.Close()
                else:
                    self._wait_for_paste(messages.PASTED + "\n\n" + messages.KEEP_OPEN)
                return
            self.Show()
        trace("paste-manual", persistent=copied.persistent)
        if copied.persistent:
            wx.MessageBox(messages.PASTE_NOW, TITLE, wx.ICON_INFORMATION, self)
            self.Close()
        else:
            self._wait_for_paste(messages.PASTE_NOW + "\n\n" + messages.KEEP_OPEN)

    def _wait_for_paste(self, text: str) -> None:
        """The clipboard lives in this process: stay open (small) until the user closes."""
        self.keep_clipboard = True
        self.Show()
        self.set_status(text)

    def _save_prefs(self) -> None:
        try:
            prefs_mod.save(self.ctx.prefs)
        except OSError:
            pass

    def on_close(self, evt: wx.CloseEvent) -> None:
        self.closing = True
        if self.cancel is not None:
            self.cancel.set()
        self.timer.Stop()
        trace("closed", kept_clipboard=self.keep_clipboard)
        self.Destroy()
