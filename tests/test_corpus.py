"""The labelled corpus generator (scripts/make_corpus.py): balanced, consistent, labels match the audio."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import make_corpus  # noqa: E402
from callcheck.rules import RULE_IDS  # noqa: E402
from corpus_texts import POOLS  # noqa: E402

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_error_ids_are_the_rule_ids():
    assert set(make_corpus.ERRORS) == set(RULE_IDS)


def test_design_is_balanced_and_never_combines_exclusive_errors():
    rng = np.random.default_rng(3)
    chosen = [make_corpus.choose_errors(i, rng) for i in range(90)]
    counts = {e: sum(e in c for c in chosen) for e in make_corpus.ERRORS}
    assert min(counts.values()) >= 10  # each error at least once per 9 calls
    assert sum(not c for c in chosen) >= 5  # clean calls too
    for c in chosen:
        for error, excluded in make_corpus.EXCLUSIVE.items():
            assert not (error in c and c & excluded), c


def test_splits_share_no_texts_or_agent_voices():
    for language in ("de", "en"):
        dev, test = POOLS[("dev", language)], POOLS[("test", language)]
        assert not set(dev.agent_voices) & set(test.agent_voices)
        assert not {s.problem for s in dev.scenarios} & {s.problem for s in test.scenarios}
        assert not set(dev.long_greetings) & set(test.long_greetings)


def test_plans_inject_what_the_labels_say():
    rng = np.random.default_rng(5)
    for index in range(27):
        plan = make_corpus.plan_call(index, split="dev", rng=rng)
        assert (plan.agent.pitch_range <= 6) == ("toneless_voice" in plan.errors)
        assert (plan.muffle_hz is not None) == ("indistinct_speech" in plan.errors)
        assert (plan.agent.speed_wpm >= 260) == ("too_fast" in plan.errors)
        if "lacks_empathy" in plan.errors:
            assert not plan.scenario.neutral
        if "impatient_voice" in plan.errors:
            assert plan.barge_in_s or plan.reply_prefix


@needs_espeak
def test_generated_calls_have_labels_and_a_real_cut_off(tmp_path):
    assert make_corpus.main([str(tmp_path), "--calls", "3", "--seed", "2", "--split", "test"]) == 0
    labels = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.labels.json"))]
    assert len(labels) == 3
    for label in labels:
        audio, sr = sf.read(tmp_path / label["file"])
        assert audio.shape[1] == 2 and sr == label["sr"]
        assert audio.shape[0] / sr == pytest.approx(label["duration_s"], abs=0.01)
        agent = 0 if label["agent_channel"] == "left" else 1
        for event in label["events"]:
            channel = agent if event["role"] == "agent" else 1 - agent
            span = audio[int(event["start_s"] * sr): int(event["end_s"] * sr), channel]
            assert np.sqrt(np.mean(span ** 2)) > 0.01, event  # every scripted turn is audible on its channel


def test_cut_off_silences_the_customer_after_the_barge_in():
    sr = 8000
    stereo = np.full((10 * sr, 2), 0.5, dtype=np.float32)
    events = [{"start_s": 0.0, "end_s": 1.0}] * 5 + [{"start_s": 2.0, "end_s": 8.0}, {"start_s": 6.0, "end_s": 9.0}]
    events = [dict(e) for e in events]
    make_corpus.cut_off(stereo, events, sr=sr, channel=1, after_s=0.5)
    assert events[5]["end_s"] == pytest.approx(6.52)
    assert np.all(stereo[int(6.52 * sr): 8 * sr, 1] == 0) and np.all(stereo[: 6 * sr, 1] == 0.5)
    assert np.all(stereo[:, 0] == 0.5)


def test_mono_mix_keeps_rate_format_and_labels(tmp_path):
    import mono_mix

    source, out = tmp_path / "stereo", tmp_path / "mono"
    source.mkdir()
    t = np.arange(8000) / 8000
    left, right = 0.4 * np.sin(2 * np.pi * 200 * t), 0.2 * np.sin(2 * np.pi * 300 * t)
    sf.write(source / "c.wav", np.column_stack([left, right]), 8000, subtype="ULAW")
    labels = {"file": "c.wav", "errors": ["too_fast"], "agent_channel": "right", "sr": 8000}
    (source / "c.labels.json").write_text(json.dumps(labels))
    assert mono_mix.main([str(source), str(out)]) == 0
    mixed, sr = sf.read(out / "c.wav")
    stereo, _ = sf.read(source / "c.wav")
    assert mixed.ndim == 1 and sr == 8000 and sf.info(out / "c.wav").subtype == "ULAW"
    assert np.max(np.abs(mixed - stereo.mean(axis=1))) < 0.02  # (left + right) / 2, mu-law again
    written = json.loads((out / "c.labels.json").read_text())
    assert {k: written[k] for k in labels} == labels and written["mixed_from"] == str(source / "c.wav")

    sf.write(source / "c.wav", np.column_stack([right, right]), 8000, subtype="ULAW")  # the corpus made again
    later = (out / "c.wav").stat().st_mtime + 5
    os.utime(source / "c.wav", (later, later))
    assert mono_mix.main([str(source), str(out)]) == 0
    assert np.max(np.abs(sf.read(out / "c.wav")[0] - sf.read(source / "c.wav")[0].mean(axis=1))) < 0.02  # redone
    assert mono_mix.main([str(tmp_path / "empty"), str(out)]) == 2
