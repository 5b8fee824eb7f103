"""Same reports from two versions of callcheck: every real recording and sample, side by side.

Usage:
  python scripts/compare_trees.py --baseline /path/to/old/src [--whisper] [--realdata ../shared/realdata]

Each file is analysed by this tree's `src` and by the baseline's, each in its own
process, and the report JSON compared key by key (numbers equal within 1e-6,
the report's own rounding; keys only this tree writes are additions, not
differences, as the report schema allows). Without --whisper the recogniser is a stand-in that
returns, for every chunk of audio it gets, one word named after a hash of those
samples: equal words then prove that both versions handed Whisper the same
audio in the same chunks, and everything after it (measurements, rules,
findings) is compared on equal input; the comparison takes seconds per file.
With --whisper the real model runs in both (slow).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"
SUFFIXES = {".wav", ".flac", ".mp3", ".ogg"}

WORKER = r"""
import hashlib, json, sys
import numpy as np
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import ModelInfo, Word
from callcheck.report import to_dict

class Echo:
    info = ModelInfo("echo", "none")
    def detect_language(self, samples, *, chunks):
        return "en"
    def transcribe(self, samples, *, chunks, language):
        words = []
        for chunk in chunks:
            piece = np.asarray(samples[round(chunk.start_s * 16000):round(chunk.end_s * 16000)])
            digest = hashlib.sha256(np.ascontiguousarray(piece).tobytes()).hexdigest()[:10]
            mid = (chunk.start_s + chunk.end_s) / 2
            words.append(Word(round(mid - 0.2, 3), round(mid + 0.2, 3), "w" + digest, 0.9))
        return tuple(words)

if sys.argv[2] == "whisper":
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model
    transcriber, language = WhisperTranscriber(resolve_model(None)), "auto"
else:
    transcriber, language = Echo(), "en"
report = analyze_call(sys.argv[1], transcriber=transcriber, options=AnalyzeOptions(language=language, call_id="c"))
data = to_dict(report)
print(json.dumps(data))
"""


def analyse(path: Path, *, src: Path, whisper: bool) -> dict | str:
    env = dict(os.environ, PYTHONPATH=str(src))
    proc = subprocess.run([sys.executable, "-c", WORKER, str(path), "whisper" if whisper else "echo"],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return json.loads(proc.stdout)


def differences(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in the baseline" for k in set(b) - set(a)]  # keys this tree adds are allowed
        for key in a.keys() & b.keys():
            out += differences(a[key], b[key], f"{where}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float | int) or isinstance(b, float) and isinstance(a, int):
        return [] if abs(a - b) <= 1e-6 * max(1.0, abs(a)) else [f"{where}: {a} vs {b}"]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="src folder of the other version")
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--whisper", action="store_true", help="the real model in both (slow)")
    args = parser.parse_args()
    files = sorted(p for p in [*args.realdata.rglob("*"), *(ROOT / "samples").glob("*")] if p.suffix in SUFFIXES)
    same = 0
    for path in files:
        new = analyse(path, src=ROOT / "src", whisper=args.whisper)
        old = analyse(path, src=args.baseline, whisper=args.whisper)
        if isinstance(new, str) or isinstance(old, str):
            verdict = "same error" if new == old else f"error: this tree {new!r} / baseline {old!r}"
            same += new == old
        else:
            diffs = differences(new, old)
            same += not diffs
            verdict = "same" if not diffs else f"{len(diffs)} differences, e.g. {'; '.join(diffs[:3])}"
        print(f"{path.relative_to(path.parents[1])}: {verdict}", flush=True)
    print(f"\n{same} of {len(files)} files give the same report")
    return 0 if same == len(files) else 1


if __name__ == "__main__":
    sys.exit(main())
