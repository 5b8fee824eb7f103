"""The layout's reason and method: English as the JSON report has always carried it, German for German reports."""

from __future__ import annotations

from callcheck import layout_text
from callcheck.records import Layout, LayoutNote

note = LayoutNote.of


def test_english_lines_are_the_fixed_json_wording():
    stereo = layout_text.layout("stereo", [note("stereo"), note("leak", seconds=3.21, role="agent")])
    assert stereo.reason == ("two channels with different signals: one party per channel; "
                             "3.2 s of the other party leaking into the agent channel removed")
    assert stereo.method == ("stereo: one party per channel, Silero VAD speech regions per channel; speech that is "
                             "the other channel leaking in (correlated, 0-80 ms later) removed")
    single = layout_text.layout("single", [note("same_signal", correlation=0.9994),
                                           note("single_one_voice", separation=0.1234, confidence=0.91)])
    assert single.reason == ("channels carry the same signal (correlation 0.999): "
                             "one channel, one voice (speaker separation 0.12, confidence 0.91)")
    mixed = layout_text.layout("mixed", [note("mixed_found", separation=0.5, confidence=0.8)])
    mixed = layout_text.with_note(mixed, note("agent_cues", agent=("wie kann ich", "mein Name ist"), other=()))
    assert mixed.reason == ("one channel: mixed mono, 2 speakers found (separation 0.50, confidence 0.80); "
                            "agent cues: wie kann ich, mein Name ist")
    assert layout_text.layout("single", [note("single_no_speech")]).reason == "one channel, no speech"


def test_german_lines_word_the_same_notes():
    mixed = layout_text.layout("mixed", [note("merged_forced", requested="mixed"), note("mixed_forced")])
    mixed = layout_text.with_note(mixed, note("agent_cues", agent=(), other=("ich habe ein Problem",)))
    reason, method = layout_text.localized(mixed, "de")
    assert reason == ("zwei Kanäle zu einem gemischt (--layout mixed): gemischtes Mono, --layout mixed; "
                      "Hinweise auf den Agenten: keine typischen Formulierungen; "
                      "beim anderen Sprecher: ich habe ein Problem")
    assert method.startswith("gemischtes Mono: Sprachabschnitte")
    stereo = layout_text.layout("stereo", [note("stereo"), note("leak", seconds=1.0, role="customer")])
    reason, method = layout_text.localized(stereo, "de")
    assert reason.endswith("1.0 s Übersprechen der anderen Partei aus dem Kundenkanal entfernt")
    assert "herüberspricht" in method
    requested = layout_text.with_note(layout_text.layout("mixed", [note("mixed_forced")]),
                                      note("agent_requested", requested="second"))
    assert layout_text.localized(requested, "de")[0].endswith("Agent = der zweite Sprecher (--agent-speaker second)")
    assert requested.reason.endswith("agent = the second speaker (--agent-speaker second)")


def test_a_layout_without_notes_keeps_its_stored_lines():
    old = Layout("stereo", "as stored", "method as stored")
    assert layout_text.localized(old, "de") == ("as stored", "method as stored")
