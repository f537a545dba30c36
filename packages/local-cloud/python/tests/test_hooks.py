"""The machinery of every patch: a patch that does not fit the installed moto is skipped and logged,
never a crash; a hook applies when its module is imported, or at once when it already is."""

import sys
import types

from nx_sst_patches._hooks import _NxMissing, _nx_expect, _nx_on_import, _nx_patch


def test_a_patch_whose_target_is_missing_is_skipped_with_a_log_line(capsys):
    applied = []

    @_nx_patch("example")
    def patch():
        _nx_expect((types, "NoSuchThing"))
        applied.append(True)

    patch()
    assert applied == []
    assert "nx-sst moto patch: example patch skipped: _NxMissing('types.NoSuchThing')" in capsys.readouterr().err


def test_nx_expect_names_the_missing_attribute():
    try:
        _nx_expect((types, "SimpleNamespace"), (types, "Nope"))
    except _NxMissing as e:
        assert str(e) == "types.Nope"
    else:
        raise AssertionError("expected _NxMissing")


def test_a_hook_runs_when_its_module_is_imported_and_at_once_when_it_already_is(tmp_path, monkeypatch):
    (tmp_path / "nx_hook_probe.py").write_text("value = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    _nx_on_import("nx_hook_probe", lambda: seen.append(sys.modules["nx_hook_probe"].value))
    assert seen == []
    import nx_hook_probe  # noqa: F401

    assert seen == [1]
    _nx_on_import("nx_hook_probe", lambda: seen.append("again"))
    assert seen == [1, "again"]
