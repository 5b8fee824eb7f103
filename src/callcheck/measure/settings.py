"""Measurement settings: thresholds with units in their names, validated once."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from callcheck.errors import ConfigError

BACKCHANNELS: dict[str, tuple[str, ...]] = {
    "de": ("mhm", "hm", "hmm", "mm", "ja", "jaja", "jap", "genau", "okay", "ok", "aha", "achso",
           "ach so", "gut", "richtig", "stimmt", "klar", "alles klar", "verstehe", "ah", "oh"),
    "en": ("mhm", "mm", "hmm", "uh-huh", "uh huh", "uhhuh", "yeah", "yes", "yep", "right",
           "okay", "ok", "sure", "i see", "alright", "all right", "got it", "ah", "oh"),
}


@dataclass(frozen=True, slots=True)
class MeasureSettings:
    """What counts as a pause, a turn, an interruption, dead air."""

    pause_min_s: float = 0.25
    dead_air_min_s: float = 3.0
    interruption_overlap_s: float = 1.0
    interruption_cutoff_s: float = 1.0
    overlap_min_s: float = 0.25
    turn_max_pause_s: float = 2.0
    backchannel_max_s: float = 1.0
    window_s: float = 10.0
    pitch_floor_hz: float = 60.0
    pitch_ceiling_hz: float = 500.0
    backchannels: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(BACKCHANNELS))

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float | int) and not value > 0:
                raise ConfigError(f"{f.name} must be positive, not {value!r}")
        if self.pitch_floor_hz >= self.pitch_ceiling_hz:
            raise ConfigError("pitch_floor_hz must be below pitch_ceiling_hz")

    def is_backchannel_text(self, text: str, *, language: str | None) -> bool:
        """True when `text` consists only of listener signals of `language`."""
        phrases = self.backchannels.get(language or "en", ()) + self.backchannels.get("en", ())
        cleaned = " ".join("".join(c for c in text.lower() if c.isalnum() or c in " -").split())
        if not cleaned:
            return False
        remaining = f" {cleaned} "
        for phrase in sorted(phrases, key=len, reverse=True):
            remaining = remaining.replace(f" {phrase} ", " ").replace(f" {phrase} ", " ")
        return not remaining.strip()
