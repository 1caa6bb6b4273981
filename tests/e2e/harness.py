"""Drive KiCad's schematic editor headless: Xvfb, a throw-away KiCad config, the PCM package
installed the way KiCad's Plugin and Content Manager lays it out, xdotool for the mouse
and keyboard, ImageMagick ``import`` for screenshots.  KiCad 9 is the system's; KiCad 10
runs from the chroot of scripts/install-kicad10.sh (scripts/kicad10-run), drawing on the
same Xvfb through the shared X socket.

Everything lives under one work folder; nothing of the user's KiCad set-up is touched.
Processes started here are stopped by :meth:`Desktop.close` (by their own ids).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Optional

#: Directories of a PCM zip that KiCad extracts (pcm_task_manager.cpp), each into
#: ``<3rdparty>/<dir>/<identifier with '.' replaced by '_'>/``.
PCM_DIRS = ("plugins", "resources", "footprints", "symbols", "3dmodels", "colors", "templates", "scripts")
TOOLS = ("Xvfb", "eeschema", "xdotool", "import", "kicad-cli")


HOST_TOOLS = ("Xvfb", "xdotool", "import")


def missing_tools(major: int = 9) -> list[str]:
    """Programs the test needs on this machine (KiCad 10's own run inside its chroot)."""
    return [t for t in (TOOLS if major == 9 else HOST_TOOLS) if shutil.which(t) is None]


def write_kicad_config(config_home: str, interpreter: str, version: str = "9.0",
                       template_dir: str = "/usr/share/kicad/template") -> str:
    """A KiCad config folder for ``version`` ("9.0" or "10.0"): IPC API server on, the plugin
    interpreter set, no first-run or update prompts, global library tables (KiCad 10 also
    wants a design-block table, or it opens its set-up wizard).  ``template_dir``: that
    KiCad's template folder as seen on this machine.  Returns ``<config_home>/<version>``."""
    d = os.path.join(config_home, version)
    os.makedirs(d, exist_ok=True)
    common = {
        "meta": {"filename": "kicad_common.json", "version": 3},
        "api": {"enable_server": True, "interpreter_path": interpreter},
        "do_not_show_again": {"data_collection_prompt": True, "env_var_overwrite_warning": True,
                              "scaled_3d_models_warning": True, "update_check_prompt": True,
                              "zone_fill_warning": True},
        "session": {"remember_open_files": False},
        "auto_backup": {"enabled": False},
        "system": {"autosave_interval": 0},
    }
    kicad = {"meta": {"filename": "kicad.json", "version": 0},
             "pcm": {"check_for_updates": False}, "system": {"check_for_kicad_updates": False}}
    for name, data in (("kicad_common.json", common), ("kicad.json", kicad)):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
    tables = ("sym-lib-table", "fp-lib-table") + (("design-block-lib-table",) if version != "9.0" else ())
    for table in tables:
        src = os.path.join(template_dir, table)
        dst = os.path.join(d, table)
        if os.path.exists(src):
            shutil.copy(src, dst)
        else:
            with open(dst, "w", encoding="utf-8") as f:
                f.write(f"({table.replace('-', '_')}\n  (version 7)\n)\n")
    return d


def install_pcm_zip(zip_path: str, third_party: str) -> list[str]:
    """Extract a PCM package the way KiCad's PCM installs it; returns the files written."""
    written = []
    with zipfile.ZipFile(zip_path) as z:
        meta = json.loads(z.read("metadata.json"))
        folder = meta["identifier"].replace(".", "_")
        for name in z.namelist():
            parts = name.split("/")
            if len(parts) < 2 or parts[0] not in PCM_DIRS or not parts[-1]:
                continue
            dst = os.path.join(third_party, parts[0], folder, *parts[1:])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(z.read(name))
            written.append(dst)
    return written


def read_ppm(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of a binary PPM (P6, maxval 255)."""
    fields, idx = [], 0
    while len(fields) < 4:
        while data[idx:idx + 1].isspace():
            idx += 1
        start = idx
        while not data[idx:idx + 1].isspace():
            idx += 1
        fields.append(data[start:idx])
    return int(fields[1]), int(fields[2]), data[idx + 1:]


def find_color(ppm: bytes, rgb: tuple[int, int, int], region: Optional[tuple[int, int, int, int]] = None,
               min_pixels: int = 30) -> Optional[tuple[int, int]]:
    """Centre (x, y) of the pixels of exactly ``rgb`` inside ``region`` (x0, y0, x1, y1), or None."""
    w, h, pix = read_ppm(ppm)
    x0, y0, x1, y1 = region or (0, 0, w, h)
    target = bytes(rgb)
    xs, ys = [], []
    for y in range(max(0, y0), min(h, y1)):
        row = pix[y * w * 3:(y + 1) * w * 3]
        pos = row.find(target)
        while pos != -1:
            if pos % 3 == 0 and x0 <= pos // 3 < x1:
                xs.append(pos // 3)
                ys.append(y)
            pos = row.find(target, pos + 1)
    if len(xs) < min_pixels:
        return None
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def busy_pixels(ppm: bytes, box: tuple[int, int, int, int], allowed: set) -> int:
    """How many pixels inside ``box`` (x0, y0, x1, y1) have a colour not in ``allowed``."""
    w, _h, pix = read_ppm(ppm)
    x0, y0, x1, y1 = box
    n = 0
    for y in range(y0, y1):
        row = pix[(y * w + x0) * 3:(y * w + x1) * 3]
        n += sum(1 for i in range(0, len(row), 3) if tuple(row[i:i + 3]) not in allowed)
    return n


def wait_for(what: str, check: Callable[[], object], timeout: float, interval: float = 0.5,
             alive: Optional[Callable[[], bool]] = None):
    """Poll ``check`` until it returns a true value; raise TimeoutError naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if alive is not None and not alive():
            raise RuntimeError(f"gave up waiting for {what}: a process died")
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Desktop:
    """An X server with KiCad's environment prepared under ``work``."""
    work: str
    display: str = ""
    env: dict = field(default_factory=dict)
    procs: list = field(default_factory=list)
    logs: str = ""
    kicad_version: str = "9.0"      # whose config and 3rd-party folders ("9.0" or "10.0")

    def __post_init__(self) -> None:
        self.logs = os.path.join(self.work, "logs")
        for d in ("home", "tmp", "logs"):
            os.makedirs(os.path.join(self.work, d), exist_ok=True)
        home = os.path.join(self.work, "home")
        self.env = dict(os.environ)
        for k in [k for k in self.env if k.startswith(("KICAD", "WAYLAND", "XDG_"))]:
            del self.env[k]
        self.env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                        XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                        XDG_CACHE_HOME=os.path.join(home, ".cache"),
                        KICAD_CONFIG_HOME=os.path.join(self.work, "kicad-config"),
                        TMPDIR=os.path.join(self.work, "tmp"), LIBGL_ALWAYS_SOFTWARE="1", NO_AT_BRIDGE="1",
                        GTK_A11Y="none")

    @property
    def third_party(self) -> str:
        return os.path.join(self.env["XDG_DATA_HOME"], "kicad", self.kicad_version, "3rdparty")

    def start_x(self, size: str = "1600x1000x24", first: int = 97) -> None:
        """Start Xvfb on the first free display from ``first`` (tests that may run at the same
        time, e.g. under pytest-xdist, pass different ``first`` so they do not race)."""
        for n in range(first, first + 40):
            if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
                self.display = f":{n}"
                break
        else:
            raise RuntimeError("no free X display number")
        self.env["DISPLAY"] = self.display
        self.spawn("xvfb", ["Xvfb", self.display, "-screen", "0", size, "-nolisten", "tcp"])
        wait_for("the X server", lambda: subprocess.run(["xdpyinfo"], env=self.env, capture_output=True).returncode == 0,
                 20, 0.2)

    def spawn(self, name: str, cmd: list[str], env: Optional[dict] = None) -> subprocess.Popen:
        log = open(os.path.join(self.logs, f"{name}.log"), "wb")
        p = subprocess.Popen(cmd, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append((name, p, log))
        return p

    def run(self, cmd: list[str], timeout: float = 30, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout, check=check)

    def screenshot(self, path: str, window: str = "root") -> str:
        self.run(["import", "-window", window, path], timeout=30)
        return path

    def screen_ppm(self) -> bytes:
        return subprocess.run(["import", "-window", "root", "-depth", "8", "ppm:-"], env=self.env,
                              capture_output=True, check=True, timeout=30).stdout

    def xdotool(self, *args: str, check: bool = True) -> str:
        return self.run(["xdotool", *args], check=check).stdout

    def windows(self, name_regex: str) -> list[str]:
        return self.xdotool("search", "--onlyvisible", "--name", name_regex, check=False).split()

    def close(self) -> None:
        """Stop every process started here (newest first), each with its process group
        (eeschema's group holds the plugin and the clipboard helper it started)."""
        for _name, p, log in reversed(self.procs):
            for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    p.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    continue
            log.close()
        self.procs.clear()
