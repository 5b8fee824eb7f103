"""Levels, rates and pauses on signals and turns with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from callcheck.measure.prosody import dynamic_range_db, frame_levels, mean_level_db, pause_stats, rate_stats, region_mask
from callcheck.records import Region, Turn, Word
from conftest import tone

SR = 16_000


def test_tone_level_in_dbfs():
    levels = frame_levels(tone(220, duration_s=1.0, sr=SR, amplitude=0.1), sr=SR)
    # RMS of a sine with peak 0.1 is 0.1/sqrt(2): -23.0 dBFS.
    assert np.median(levels.db) == pytest.approx(-23.01, abs=0.05)
    assert levels.times_s[1] - levels.times_s[0] == pytest.approx(0.01)


def test_dynamic_range_of_two_loudness_steps():
    loud = tone(220, duration_s=1.0, sr=SR, amplitude=0.5)
    quiet = tone(220, duration_s=1.0, sr=SR, amplitude=0.05)
    levels = frame_levels(np.concatenate([loud, quiet]), sr=SR)
    assert dynamic_range_db(levels.db) == pytest.approx(20.0, abs=0.5)
    # Energy average is dominated by the loud half: about 3 dB below it.
    assert mean_level_db(levels.db) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)) - 3.0, abs=0.1)


def test_tones_with_gaps_give_pauses_of_known_length():
    # Tone bursts 0-1, 1.3-2, 2.1-3 s: one 0.3 s pause >= 0.25 s and one 0.1 s gap that is not.
    signal = tone(220, duration_s=3.0, sr=SR)
    bursts = [Region(0.0, 1.0), Region(1.3, 2.0), Region(2.1, 3.0)]
    levels = frame_levels(signal, sr=SR)
    mask = region_mask(levels.times_s, bursts)
    # 2.7 s of speech; frames are centred 12.5 ms in, so each burst loses ~1 frame at its edges
    assert mask.sum() == pytest.approx(258, abs=3)
    words = (Word(0.1, 0.9, "one", 0.9), Word(1.4, 1.9, "two", 0.9), Word(2.2, 2.9, "three", 0.9))
    turn = Turn("agent", 0.0, 3.0, tuple(bursts), words)
    stats = pause_stats([turn], min_s=0.25, language="en")
    assert stats.count == 1
    assert stats.mean_pause_s == pytest.approx(0.3)
    assert stats.pauses_per_min == pytest.approx(20.0)  # 1 pause in 3 s of speaking
    assert stats.mean_run_syllables == pytest.approx(1.5)  # "one" | "two three"
    assert stats.longest_run_s == pytest.approx(1.5)  # "two" starts at 1.4, "three" ends at 2.9


@pytest.mark.parametrize("language,text,syllables", [
    ("en", "could you please tell me your order number", 10),
    ("de", "können Sie mir bitte Ihre Bestellnummer sagen", 14),
])
def test_rates_from_scripted_words(language, text, syllables):
    tokens = text.split()
    step = 4.0 / len(tokens)
    words = tuple(Word(i * step, (i + 1) * step - 0.05, t, 0.9) for i, t in enumerate(tokens))
    turn = Turn("agent", 0.0, 5.0, (Region(0.0, 2.0), Region(3.0, 5.0)), words)
    rates = rate_stats([turn], language=language)
    assert rates.syllables == syllables
    assert rates.speaking_rate_sps == pytest.approx(syllables / 5.0)
    assert rates.articulation_rate_sps == pytest.approx(syllables / 4.0)
    assert rates.words_per_minute == pytest.approx(60 * len(tokens) / 5.0)


def test_no_words_means_no_rate():
    rates = rate_stats([Turn("agent", 0, 2, (Region(0, 2),), ())], language="de")
    assert rates.speaking_rate_sps is None and rates.words_per_minute is None
