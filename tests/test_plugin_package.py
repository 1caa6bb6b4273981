"""The KiCad PCM package (scripts/build_pcm.py): layout, KiCad's JSON schemas, the
packages.json entry, the vendored tokn library, the icons, reproducibility."""
from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import zipfile

import pytest

from .e2e import harness

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.environ.get("KICAD_SCHEMA_DIR", "/usr/share/kicad/schemas")
needs_schemas = pytest.mark.skipif(not os.path.exists(os.path.join(SCHEMAS, "pcm.v1.schema.json")),
                                   reason="KiCad's JSON schemas not installed")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import build_pcm  # noqa: E402


def _schema(name: str) -> dict:
    with open(os.path.join(SCHEMAS, name), encoding="utf-8") as f:
        return json.load(f)


def _json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_pcm.build(tmp_path_factory.mktemp("dist"), validate=False)


@needs_schemas
def test_metadata_and_plugin_json_validate_against_kicads_schemas():
    jsonschema = pytest.importorskip("jsonschema")
    metadata = _json(os.path.join(ROOT, "metadata.json"))
    plugin = _json(os.path.join(ROOT, "kicad_plugin", "plugin.json"))
    jsonschema.validate(metadata, _schema("pcm.v1.schema.json"))
    jsonschema.validate(plugin, _schema("api.v1.schema.json"))
    assert metadata["type"] == "plugin" and "_" not in metadata["identifier"]
    (version,) = metadata["versions"]
    assert version["runtime"] == "ipc" and version["kicad_version"] == "9.0"
    assert version["kicad_version_max"] == "10.99"
    (action,) = plugin["actions"]
    assert action["scopes"] == ["schematic"] and action["show-button"] is True
    assert plugin["identifier"] == metadata["identifier"]


@needs_schemas
def test_zip_and_packages_json_validate(built):
    jsonschema = pytest.importorskip("jsonschema")
    with zipfile.ZipFile(built.zip_path) as z:
        metadata = json.loads(z.read("metadata.json"))
        plugin = json.loads(z.read("plugins/plugin.json"))
    jsonschema.validate(metadata, _schema("pcm.v1.schema.json"))
    jsonschema.validate(plugin, _schema("api.v1.schema.json"))
    packages = _json(str(built.packages_json))
    jsonschema.validate(packages, {**_schema("pcm.v1.schema.json"), "$ref": "#/definitions/PackageArray"})
    assert build_pcm.validate_schemas(metadata, plugin, packages)


def test_zip_layout(built):
    with zipfile.ZipFile(built.zip_path) as z:
        names = z.namelist()
        metadata = json.loads(z.read("metadata.json"))
        plugin = json.loads(z.read("plugins/plugin.json"))
        reqs = z.read("plugins/requirements.txt").decode()
    assert metadata == _json(os.path.join(ROOT, "metadata.json"))
    assert {n.split("/")[0] for n in names} == {"metadata.json", "plugins", "resources"}
    for n in ("plugins/plugin.json", "plugins/requirements.txt", "plugins/tokn_generate.py",
              "plugins/tokn_kicad/app.py", "plugins/tokn/__init__.py", "plugins/tokn/decode/fragment.py",
              "plugins/tokn/data/tokn.lark", "resources/icon.png"):
        assert n in names, n
    (action,) = plugin["actions"]
    for f in [action["entrypoint"], *action["icons-light"], *action["icons-dark"]]:
        assert f"plugins/{f}" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "plugins/make_icons.py" not in names
    # every requirement is a wheel-installable distribution; tokn itself is vendored
    lines = [ln.split("#")[0].strip() for ln in reqs.splitlines()]
    lines = [ln for ln in lines if ln]
    assert any(ln.startswith("kicad-python>=0.6.0,<0.9") for ln in lines)
    assert not any(ln.split(">")[0].split("=")[0].split(";")[0].strip() == "tokn" for ln in lines)


def test_packages_json_entry_matches_the_zip(built):
    blob = built.zip_path.read_bytes()
    (entry,) = _json(str(built.packages_json))["packages"]
    (v,) = entry["versions"]
    assert v["download_sha256"] == hashlib.sha256(blob).hexdigest()
    assert v["download_size"] == len(blob)
    with zipfile.ZipFile(built.zip_path) as z:
        assert v["install_size"] == sum(i.file_size for i in z.infolist())
    assert v["download_url"].startswith("file://")


def test_build_is_reproducible(built, tmp_path):
    again = build_pcm.build(tmp_path, download_url="https://example.invalid/p.zip", validate=False)
    assert again.zip_path.read_bytes() == built.zip_path.read_bytes()
    assert again.entry["versions"][0]["download_url"] == "https://example.invalid/p.zip"


def test_rules_reject_bad_identifiers():
    metadata = _json(os.path.join(ROOT, "metadata.json"))
    plugin = _json(os.path.join(ROOT, "kicad_plugin", "plugin.json"))
    names = ["metadata.json"] + [n for _p, n in build_pcm.package_members()]
    build_pcm.check_rules(metadata, plugin, names)
    with pytest.raises(build_pcm.PackageError, match="_"):
        build_pcm.check_rules({**metadata, "identifier": "org.tokn_generate"}, plugin, names)
    with pytest.raises(build_pcm.PackageError, match="missing"):
        build_pcm.check_rules(metadata, plugin, [n for n in names if not n.endswith("icon-dark-24.png")])


def test_installed_layout_and_vendored_tokn_imports(built, tmp_path):
    """Extracted as KiCad's PCM does; the plugin's modules import the vendored tokn."""
    written = harness.install_pcm_zip(str(built.zip_path), str(tmp_path / "3rdparty"))
    plugin_dir = tmp_path / "3rdparty" / "plugins" / "org_tokn_generate"
    assert (plugin_dir / "plugin.json").exists()
    assert (tmp_path / "3rdparty" / "resources" / "org_tokn_generate" / "icon.png").exists()
    assert len(written) == len(built.names) - 1
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import tokn, tokn.decode.fragment, "
            "tokn_kicad.session, tokn_kicad.clipboard, tokn_kicad.locate; print(tokn.__file__)")
    r = subprocess.run([sys.executable, "-c", code, str(plugin_dir)], capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(plugin_dir))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_icons(built):
    with zipfile.ZipFile(built.zip_path) as z:
        assert _png_size(z.read("resources/icon.png")) == (64, 64)
        for n, size in (("plugins/icon-light-24.png", 24), ("plugins/icon-light-48.png", 48),
                        ("plugins/icon-dark-24.png", 24), ("plugins/icon-dark-48.png", 48)):
            assert _png_size(z.read(n)) == (size, size)


def test_icons_are_up_to_date(tmp_path):
    """The committed PNGs are what kicad_plugin/make_icons.py draws."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "kicad_plugin", "make_icons.py"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for name in os.listdir(tmp_path):
        with open(os.path.join(ROOT, "kicad_plugin", name), "rb") as a, open(tmp_path / name, "rb") as b:
            assert a.read() == b.read(), name


def test_build_script_cli(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "build_pcm.py"), "--out", str(tmp_path),
                        "--no-validate"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "packages.json").exists()
    assert list(tmp_path.glob("org.tokn.generate-*.zip"))


def test_package_is_offered_to_kicad_9_and_10_only():
    """KiCad's PCM rule (major.minor between kicad_version and kicad_version_max)."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import build_pcm
    (version,) = _json(os.path.join(ROOT, "metadata.json"))["versions"]
    for kicad in ((9, 0), (9, 1), (10, 0), (10, 1)):
        assert build_pcm.pcm_compatible(version, kicad), kicad
    for kicad in ((8, 0), (11, 0)):
        assert not build_pcm.pcm_compatible(version, kicad), kicad


def test_kicad_python_requirement_admits_the_clients_of_kicad_9_and_10():
    """0.6.0 is built for KiCad 9.0, 0.8.x for 10.0; the plugin calls only what both have."""
    from packaging.requirements import Requirement
    with open(os.path.join(ROOT, "kicad_plugin", "requirements.txt"), encoding="utf-8") as f:
        reqs = [Requirement(line.split("#")[0].strip()) for line in f if line.split("#")[0].strip()]
    (kipy,) = [r for r in reqs if r.name == "kicad-python"]
    assert all(kipy.specifier.contains(v) for v in ("0.6.0", "0.7.1", "0.8.0"))
    assert not kipy.specifier.contains("0.5.0") and not kipy.specifier.contains("0.9.0")
