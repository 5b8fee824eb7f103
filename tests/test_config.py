"""TOML overrides of the measurement thresholds, and their errors."""

from __future__ import annotations

import pytest

from callcheck.config import default_notes, load_config, parse_hotwords
from callcheck.errors import ConfigError
from callcheck.measure.settings import MeasureSettings
from callcheck.records import AsrHints


def write_toml(tmp_path, text):
    path = tmp_path / "my.toml"
    path.write_text(text)
    return path


def test_no_file_gives_the_defaults():
    config = load_config(None)
    assert config.measure == MeasureSettings()
    assert set(config.rules) == {"toneless_voice", "apathetic_voice", "impatient_voice", "overlong_greeting",
                                 "rushed_voice", "indistinct_speech", "too_fast", "lacks_empathy"}
    assert set(config.sources.values()) == {"default"}


def test_a_subset_is_overridden(tmp_path):
    path = write_toml(tmp_path, '[measure]\npause_min_s = 0.3\ndead_air_min_s = 5\n'
                                '[measure.backchannels]\nde = ["Mhm", "jo"]\n')
    config = load_config(path)
    settings = config.measure
    assert config.sources["measure.pause_min_s"] == str(path)
    assert config.sources["measure.window_s"] == "default"
    assert settings.pause_min_s == 0.3 and settings.dead_air_min_s == 5.0
    assert settings.interruption_overlap_s == MeasureSettings().interruption_overlap_s
    assert settings.backchannels["de"] == ("mhm", "jo")
    assert settings.backchannels["en"] == MeasureSettings().backchannels["en"]
    assert settings.is_backchannel_text("Jo.", language="de")


@pytest.mark.parametrize("text,message", [
    ("[measure]\npause_min = 0.3\n", r"my.toml: unknown setting measure.pause_min"),
    ("[rules.too_slow]\nweight = 1\n", r"unknown section rules.too_slow"),
    ("[rules.too_fast]\nweight = 'high'\n", r"rules.too_fast.weight must be a number"),
    ("[rules.too_fast]\nweight = -1\n", r"rules.too_fast.weight must not be negative"),
    ("[phrases.de]\nimpatience = 'ja ja'\n", r"phrases.de.impatience must be a list of strings"),
    ("[measure]\npause_min_s = 'long'\n", r"measure.pause_min_s must be a number"),
    ("[measure]\npitch_floor_hz = 600\n", r"pitch_floor_hz must be below"),
    ("[measure]\npause_min_s = 0\n", r"measure.pause_min_s must be positive"),
    ("[reports]\nx = 1\n", r"unknown section reports"),
    ("[measure\n", r"not valid TOML"),
    ("[measure.backchannels]\nfr = ['oui']\n", r"backchannels.fr must be a list of strings"),
    ("[asr]\nhotwords = 'Acme'\n", r"my.toml: asr.hotwords must be a list of strings"),
    ("[asr]\nhotwords = ['Acme', ' ']\n", r"my.toml: asr.hotwords: an empty entry"),
    ("[asr]\nhotwords = ['" + "x" * 101 + "']\n", r"asr.hotwords: 'x+'... is longer than 100 characters"),
    ("[asr]\nhint_mode = 'loud'\n", r"my.toml: asr.hint_mode must be one of prompt, hotwords, off, not 'loud'"),
    ("[asr]\nhint_mode = 1\n", r"asr.hint_mode must be a string"),
])
def test_bad_config_is_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write_toml(tmp_path, text))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_every_threshold_says_when_it_counts():
    notes = default_notes()
    config = load_config(None)
    missing = [f"rules.{rule}.{key}" for rule, values in config.rules.items() for key in values
               if key != "weight" and f"rules.{rule}.{key}" not in notes]
    assert missing == []
    assert notes["rules.rushed_voice.pauses_per_min_max"].startswith("sign 'few pauses': fewer")
    assert notes["measure.dead_air_min_s"].startswith("both parties silent longer than this")


def test_asr_hints_default_to_none_and_are_read_once(tmp_path):
    assert load_config(None).asr == AsrHints(words=(), mode="prompt")
    config = load_config(write_toml(tmp_path, '[asr]\nhotwords = ["Grumps  und Söhne", "Sonja Müller"]\n'
                                              'hint_mode = "hotwords"\n'))
    assert config.asr == AsrHints(words=("Grumps und Söhne", "Sonja Müller"), mode="hotwords")
    assert config.sources["asr.hotwords"] == config.sources["asr.hint_mode"] == str(tmp_path / "my.toml")
    assert config.asr.text == "Grumps und Söhne, Sonja Müller" and config.asr.active


def test_hints_add_up_once_each_and_off_switches_them_off():
    hints = AsrHints(words=("Acme", "Sam Miller"))
    assert hints.plus(("acme", "Kestrel Card")).words == ("Acme", "Sam Miller", "Kestrel Card")
    assert not AsrHints(words=("Acme",), mode="off").active and not AsrHints().active
    assert parse_hotwords(" Acme; Sam Miller ;; ") == ("Acme", "Sam Miller") and parse_hotwords(None) == ()
