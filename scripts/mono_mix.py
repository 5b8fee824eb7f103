"""Mono mixes of a labelled stereo corpus: the same calls as a phone system that records one channel stores them.

Many recorders keep both parties in one signal. A labelled corpus (scripts/make_corpus.py,
scripts/make_realvoice_corpus.py) mixed down keeps its labels, so the rules can be scored on the
layout where the parties must first be told apart (speaker diarization, agent found by what the
speakers say) and where their timing comes from the diarization instead of two channels.

Each call becomes (left + right) / 2 at its own rate and sample format (mu-law stays mu-law); its
labels are copied with ``"mixed_from"`` naming the stereo file. A mix newer than its stereo call and
its labels is kept (written again when the corpus was regenerated).

    python scripts/mono_mix.py /work/eval/flite-81 /work/eval/flite-81-mono
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import soundfile as sf


def mix_call(labels_file: Path, out: Path) -> Path:
    """Write the mono mix of the call `labels_file` describes, and its labels, into `out`; the labels' path."""
    labels = json.loads(labels_file.read_text())
    target = out / labels_file.name
    source = labels_file.parent / labels["file"]
    mix = out / labels["file"]
    if target.exists() and mix.exists() and \
            min(target.stat().st_mtime, mix.stat().st_mtime) >= max(source.stat().st_mtime, labels_file.stat().st_mtime):
        return target
    info = sf.info(source)
    stereo, sr = sf.read(source, dtype="float32", always_2d=True)
    if stereo.shape[1] != 2:
        raise ValueError(f"{source}: {stereo.shape[1]} channel(s), a stereo call is needed")
    sf.write(mix, stereo.mean(axis=1), sr, subtype=info.subtype, format=info.format)
    target.write_text(json.dumps({**labels, "mixed_from": str(source)}, indent=1, ensure_ascii=False) + "\n")
    return target


def mono_corpus(source: Path, out: Path) -> list[Path]:
    """Mono mixes of every labelled call in `source`, written into `out`; their labels' paths."""
    out.mkdir(parents=True, exist_ok=True)
    return [mix_call(f, out) for f in sorted(source.glob("*.labels.json"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a labelled stereo corpus: *.wav and *.labels.json")
    parser.add_argument("out", type=Path, help="where the mixes and their labels go")
    args = parser.parse_args(argv)
    written = mono_corpus(args.source, args.out)
    if not written:
        print(f"mono_mix: {args.source}: no *.labels.json files", file=sys.stderr)
        return 2
    print(f"{len(written)} mono mixes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
