"""The error model: one hierarchy, locations printed only when known, public names exported."""
from __future__ import annotations

import pytest

import tokn
from tokn import errors

PUBLIC = ["ToknError", "SexprSyntaxError", "SchematicError", "SchematicValueError", "ToknSyntaxError",
          "ToknSemanticError", "LibraryError", "DecodeError", "KicadCliError", "InputError",
          "GenerationError", "ConfigError", "EndpointError", "DescriptionError", "Cancelled"]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_error_is_a_tokn_error_exported_from_tokn(name):
    cls = getattr(tokn, name)
    assert cls is getattr(errors, name)
    assert issubclass(cls, tokn.ToknError)


@pytest.mark.parametrize("args, text", [
    (("x",), "x"),
    (("x", "a.kicad_sym"), "a.kicad_sym: x"),
    (("x", "a.kicad_sch", 3), "a.kicad_sch:3: x"),
    (("x", "a.kicad_sch", 3, 7), "a.kicad_sch:3:7: x"),
    (("x", None, 3, 7), "<input>:3:7: x"),
])
def test_str_names_only_the_known_location(args, text):
    assert str(errors.LibraryError(*args)) == text


def test_generation_errors_keep_their_details():
    e = tokn.EndpointError("rate limited", status=429, retryable=True)
    assert (str(e), e.status, e.retryable) == ("rate limited", 429, True)
    assert str(tokn.Cancelled()) == "cancelled"
    assert issubclass(tokn.ConfigError, tokn.GenerationError)


def test_finding_is_exported():
    from tokn.validate import Finding
    assert tokn.Finding is Finding


def test_decode_and_validate_stay_callable_after_importing_their_modules():
    import tokn.decode.fragment  # noqa: F401 - rebinds tokn.decode to the package
    import tokn.validate as validate_module

    doc = tokn.parse_tokn("# TOKN v1\n"
                          "components[2]{ref,type,value}:\n  R1,R,10k\n  R2,R,1k\n\n"
                          "nets[1]{name,pins}:\n  N1,\"R1.1,R2.1\"\n")
    assert callable(tokn.decode) and callable(tokn.validate)
    assert tokn.validate(doc) == validate_module.validate(doc)
    assert tokn.decode(doc, None).files


@pytest.mark.parametrize("content, message", [
    # a board given by mistake (KiCad's own demo board has a stray ')' that KiCad tolerates)
    ("(kicad_pcb (version 20240108)\n (footprint \"R\")\n)\n)\n(footprint \"C\")\n",
     "1:1: not a KiCad schematic: expected (kicad_sch ...), found (kicad_pcb ...)"),
    ("(kicad_symbol_lib (version 20231120))\n", "1:1: not a KiCad schematic: expected (kicad_sch ...), "
                                                "found (kicad_symbol_lib ...)"),
    ("(kicad_symbol_lib (version 20231120)\n", "1:1: not a KiCad schematic: expected (kicad_sch ...), "
                                               "found (kicad_symbol_lib ...)"),
    ('<?xml version="1.0"?>\n<eagle version="9.6"></eagle>\n', "1:1: not a KiCad schematic: expected "
                                                               "(kicad_sch ...), found XML"),
    ('{"meta": {"filename": "x.kicad_pro"}}', "1:1: not a KiCad schematic: expected (kicad_sch ...), found JSON"),
    # a clone without `git lfs pull` (seen as a dataset input): the pointer, not the file
    ("version https://git-lfs.example.invalid/spec/v1\noid sha256:4d7a2146\nsize 51230\n",
     "1:1: not a KiCad schematic: expected (kicad_sch ...), found a Git LFS pointer (the file itself was not "
     "fetched: git lfs pull)"),
    # a damaged schematic keeps its syntax error, located
    ('(kicad_sch (version 20231120)\n (wire (pts (xy 1 2)', "2:21: unexpected end of file"),
])
def test_a_file_that_is_no_schematic_says_what_it_is(tmp_path, content, message):
    """``tokn encode`` of a board, a symbol library, an Eagle or JSON file says what the
    file is instead of a syntax error in it; a damaged schematic keeps its syntax error."""
    from tokn.encode import encode_design
    path = tmp_path / "x.kicad_sch"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(tokn.ToknError) as e:
        encode_design(str(path))
    assert str(e.value).startswith(f"{path}:{message}")
