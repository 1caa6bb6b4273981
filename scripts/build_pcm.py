#!/usr/bin/env python3
"""Build the KiCad Plugin and Content Manager (PCM) package of the tokn plugin.

usage: python scripts/build_pcm.py [--out DIR] [--download-url URL] [--no-validate]

Writes ``DIR/<identifier>-<version>.zip`` (default DIR: ``dist/``) laid out as KiCad 9's PCM
expects ("Install from File..." or a repository)::

    metadata.json               the repository root's metadata.json
    plugins/plugin.json         IPC API plugin description (kicad_plugin/plugin.json)
    plugins/requirements.txt    wheels KiCad installs into the plugin's virtual environment
    plugins/tokn_generate.py    entry point, plugins/tokn_kicad/ the wx shell
    plugins/tokn/               the tokn library, vendored (pure Python, not on PyPI)
    plugins/icon-*.png          toolbar icons (light and dark)
    resources/icon.png          the package icon shown by the PCM (64x64)

and ``DIR/packages.json``: a repository ``packages`` array holding the metadata plus this
version's ``download_url`` (default: a file:// URL of the zip), ``download_sha256``,
``download_size`` and ``install_size``.  The zip is reproducible (sorted entries, fixed
timestamps).  Unless ``--no-validate``, metadata.json, plugin.json and packages.json are
validated against KiCad's own schemas (``$KICAD_SCHEMA_DIR`` or /usr/share/kicad/schemas,
needs the ``jsonschema`` package) and the package's own rules are checked (identifier
without ``_``, one IPC version for KiCad 9.0, every file plugin.json names is present).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = ROOT / "kicad_plugin"
TOKN_DIR = ROOT / "tokn"
PLUGIN_FILES_SKIP = {"make_icons.py", "icon-64.png"}       # build-time helpers, PCM icon
EPOCH = (2024, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The package breaks a rule of KiCad's PCM or of this project."""


@dataclass
class Built:
    zip_path: Path
    packages_json: Path
    metadata: dict
    entry: dict              # the packages.json entry
    names: list[str]         # zip member names


#: The KiCad (major, minor) versions the package must install on.
SUPPORTED_KICAD = ((9, 0), (10, 0))


def pcm_compatible(version: dict, kicad: tuple[int, int]) -> bool:
    """KiCad's own rule (pcm.cpp): a package version is offered when its kicad_version's
    (major, minor) <= KiCad's (major, minor) <= its kicad_version_max's, when given."""
    def major_minor(text: str) -> tuple[int, int]:
        parts = (text.split(".") + ["0"])[:2]
        return int(parts[0]), int(parts[1])
    if major_minor(version["kicad_version"]) > kicad:
        return False
    top = version.get("kicad_version_max")
    return not top or major_minor(top) >= kicad


def schema_dir() -> Path:
    return Path(os.environ.get("KICAD_SCHEMA_DIR", "/usr/share/kicad/schemas"))


def _files(base: Path, prefix: str, skip: set[str] = frozenset()) -> list[tuple[Path, str]]:
    out = []
    for p in sorted(base.rglob("*")):
        rel = p.relative_to(base)
        if p.is_dir() or "__pycache__" in rel.parts or p.suffix in (".pyc", ".pyo") or p.name in skip:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        out.append((p, f"{prefix}/{rel.as_posix()}"))
    return out


def package_members() -> list[tuple[Path, str]]:
    """(source file, zip name) of everything in the package except metadata.json."""
    members = _files(PLUGIN_DIR, "plugins", PLUGIN_FILES_SKIP)
    members += _files(TOKN_DIR, "plugins/tokn")
    members.append((PLUGIN_DIR / "icon-64.png", "resources/icon.png"))
    return sorted(members, key=lambda m: m[1])


def check_rules(metadata: dict, plugin: dict, names: list[str]) -> None:
    """The rules KiCad's schemas do not express (raise PackageError)."""
    ident = metadata.get("identifier", "")
    if "_" in ident:
        raise PackageError(f"PCM identifiers may not contain '_': {ident!r}")
    if metadata.get("type") != "plugin":
        raise PackageError("metadata.json: type must be 'plugin'")
    versions = metadata.get("versions") or []
    if len(versions) != 1:
        raise PackageError("metadata.json must describe exactly one version")
    v = versions[0]
    if v.get("runtime") != "ipc" or v.get("kicad_version") != "9.0":
        raise PackageError("the version must have runtime 'ipc' and kicad_version '9.0'")
    for kicad in SUPPORTED_KICAD:
        if not pcm_compatible(v, kicad):
            raise PackageError(f"kicad_version / kicad_version_max must admit KiCad {kicad[0]}.{kicad[1]}")
    if plugin.get("identifier") != ident:
        raise PackageError(f"plugin.json identifier {plugin.get('identifier')!r} differs from {ident!r}")
    needed = ["plugins/plugin.json", "plugins/requirements.txt", "resources/icon.png", "metadata.json"]
    for action in plugin.get("actions", []):
        needed.append("plugins/" + action["entrypoint"])
        needed += ["plugins/" + i for i in action.get("icons-light", []) + action.get("icons-dark", [])]
        if "schematic" not in action.get("scopes", []):
            raise PackageError(f"action {action.get('identifier')}: scope 'schematic' missing")
    missing = [n for n in needed if n not in names]
    if missing:
        raise PackageError("missing from the package: " + ", ".join(missing))
    if "plugins/tokn/__init__.py" not in names:
        raise PackageError("the tokn library is not vendored under plugins/tokn/")


def validate_schemas(metadata: dict, plugin: dict, packages: dict) -> list[str]:
    """Validate against KiCad's schemas; returns what was validated (raises on failure)."""
    import jsonschema
    d = schema_dir()
    pcm = json.loads((d / "pcm.v1.schema.json").read_text(encoding="utf-8"))
    api = json.loads((d / "api.v1.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(metadata, pcm)
    jsonschema.validate(plugin, api)
    jsonschema.validate(packages, {**pcm, "$ref": "#/definitions/PackageArray"})
    return ["metadata.json (pcm.v1)", "plugin.json (api.v1)", "packages.json (pcm.v1 PackageArray)"]


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build(out_dir: Path, download_url: str | None = None, validate: bool = True) -> Built:
    """Build the zip and packages.json into ``out_dir`` (see the module doc)."""
    metadata = json.loads((ROOT / "metadata.json").read_text(encoding="utf-8"))
    plugin = json.loads((PLUGIN_DIR / "plugin.json").read_text(encoding="utf-8"))
    version = metadata["versions"][0]["version"]
    members = package_members()
    names = ["metadata.json"] + [n for _p, n in members]
    check_rules(metadata, plugin, names)

    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{metadata['identifier']}-{version}.zip"
    meta_bytes = (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    install_size = len(meta_bytes)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_zipinfo("metadata.json"), meta_bytes)
        for src, name in members:
            data = src.read_bytes()
            install_size += len(data)
            z.writestr(_zipinfo(name), data)
    blob = zip_path.read_bytes()
    entry = json.loads(json.dumps(metadata))
    entry.pop("$schema", None)
    entry["versions"][0].update(download_url=download_url or zip_path.resolve().as_uri(),
                                download_sha256=hashlib.sha256(blob).hexdigest(),
                                download_size=len(blob), install_size=install_size)
    packages = {"packages": [entry]}
    if validate:
        validate_schemas(metadata, plugin, packages)
    packages_json = out_dir / "packages.json"
    packages_json.write_text(json.dumps(packages, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Built(zip_path, packages_json, metadata, entry, names)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    ap.add_argument("--download-url", help="download_url for packages.json (default: file:// URL of the zip)")
    ap.add_argument("--no-validate", action="store_true", help="skip the JSON-schema validation")
    args = ap.parse_args(argv)
    try:
        built = build(Path(args.out), args.download_url, validate=not args.no_validate)
    except (PackageError, OSError) as e:
        print(f"build_pcm: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        print(f"build_pcm: {e} (install jsonschema, or pass --no-validate)", file=sys.stderr)
        return 1
    v = built.entry["versions"][0]
    print(f"{built.zip_path}  {v['download_size']} bytes, sha256 {v['download_sha256']}")
    print(f"{built.packages_json}")
    if not args.no_validate:
        print("valid against KiCad's schemas: metadata.json, plugin.json, packages.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
