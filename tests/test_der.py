"""The benchmark's diarization error rate gives the textbook answers."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from der import der  # noqa: E402

REF = {"a": [(0.0, 10.0)], "b": [(10.0, 20.0)]}


def test_perfect_and_relabelled_hypotheses_score_zero():
    assert der(REF, REF).der == 0.0
    assert der(REF, {"x": [(10.0, 20.0)], "y": [(0.0, 10.0)]}).der == 0.0


def test_missed_false_alarm_and_confusion_are_shares_of_reference_speech():
    missed = der(REF, {"x": [(0.0, 10.0)]}, collar_s=0.0)
    assert missed.missed == pytest.approx(0.5) and missed.der == pytest.approx(0.5)
    confused = der(REF, {"x": [(0.0, 15.0)], "y": [(15.0, 20.0)]}, collar_s=0.0)
    assert confused.confusion == pytest.approx(0.25, abs=0.01) and confused.missed == 0
    extra = der(REF, {"x": [(0.0, 10.0)], "y": [(10.0, 25.0)]}, collar_s=0.0)
    assert extra.false_alarm == pytest.approx(0.25, abs=0.01)


def test_overlap_counts_each_speaker_and_the_collar_forgives_boundaries():
    overlap = {"a": [(0.0, 12.0)], "b": [(10.0, 20.0)]}
    one_at_a_time = der(overlap, REF, collar_s=0.0)
    assert one_at_a_time.missed == pytest.approx(2 / 22, abs=0.01)
    shifted = {"x": [(0.0, 10.2)], "y": [(10.2, 20.0)]}
    assert der(REF, shifted, collar_s=0.25).der == 0.0 and der(REF, shifted, collar_s=0.0).der > 0
