"""indistinct_speech - nachlässige, undeutliche Aussprache: information gets lost.

Four signs, each compared with the customer on the same call where possible
(a bad line affects both parties, careless speech only one):
- unclear: the recogniser is unsure of many of the agent's words;
- lost: the agent speaks, but few words come through (recognised syllables
  per second of speech far below the customer's);
- dull: the agent's speech has much less energy above 1 kHz, where consonants
  live (mumbling, a covered microphone, a muffled line), or has lost the top of
  the telephone band (2.5-3.4 kHz, what a low-bitrate codec cuts first),
  measured net of the channel's own noise floor so that line hiss does not
  pass for brightness;
- blurred: the level of the agent's speech hardly dips between syllables while
  the customer's does (reverberation or noise fills the gaps: the modulation
  that carries intelligibility is gone, as the speech transmission index measures).
The rule fails on `min_signs` of them, or on one *strong* sign: half the
agent's words unsure while the customer's are clearly recognised, or a voice
so dull that no line or microphone difference between two parties explains it.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcheck.records import Word
from callcheck.rules.base import (
    Evidence,
    Finding,
    RuleContext,
    RuleResult,
    confidence_from,
    pick,
    rounded,
    turn_evidence,
)

RULE = "indistinct_speech"
TITLE = {"de": "Undeutliche Aussprache", "en": "Indistinct pronunciation"}
SIGN_NAMES = {"unclear": ("unsicher erkannt", "low recognition confidence"),
              "lost": ("Wörter gehen verloren", "words get lost"), "dull": ("dumpfer Klang", "muffled sound"),
              "blurred": ("verwaschen, hallig", "blurred, reverberant")}


@dataclass(frozen=True, slots=True)
class ChannelSigns:
    """What the agent's channel shows, against the customer's on the same call."""

    unclear: bool
    lost: bool
    dull: bool
    blurred: bool  # the agent's level hardly dips between syllables: reverberation, a noisy headset
    strong: bool  # one sign so clear that it suffices alone
    share: float | None  # agent's words below low_probability
    customer_share: float | None
    rate: float  # recognised syllables per second of agent speech
    customer_rate: float | None
    balance_db: float | None
    customer_balance_db: float | None
    presence_db: float | None = None
    customer_presence_db: float | None = None
    top_db: float | None = None
    customer_top_db: float | None = None

    @property
    def count(self) -> int:
        return self.unclear + self.lost + self.dull + self.blurred

    def named(self, lang: str) -> str:
        return ", ".join(SIGN_NAMES[k][lang != "de"] for k in SIGN_NAMES if getattr(self, k))


def channel_signs(ctx: RuleContext) -> ChannelSigns | None:
    """The four signs for the agent (None with too little agent speech); `ctx` carries this rule's settings."""
    s = ctx.settings
    roles = ctx.measurements.roles
    agent, customer = roles["agent"], roles.get("customer")
    if agent.speech_s < s["min_speech_s"]:
        return None
    words, customer_words = ctx.words("agent"), ctx.words("customer")
    share = _low_share(words, s["low_probability"]) if len(words) >= s["min_words"] else None
    customer_share = _low_share(customer_words, s["low_probability"]) if len(customer_words) >= s["min_words"] else None
    rate = agent.syllables / agent.speech_s
    customer_rate = customer.syllables / customer.speech_s if customer and customer.speech_s >= s["min_speech_s"] else None
    unclear = share is not None and share > s["low_confidence_share_max"] and (
        customer_share is None or share - customer_share >= s["customer_margin"])
    dull, very_dull = _dullness(agent, customer, s)
    strong = (share is not None and customer_share is not None and share >= s["strong_low_confidence_share"]
              and customer_share <= s["clear_customer_share_max"]) or very_dull
    blurred = (agent.dynamic_range_db is not None and agent.dynamic_range_db <= s["blurred_max_db"]
               and customer is not None and customer.dynamic_range_db is not None
               and customer.dynamic_range_db - agent.dynamic_range_db >= s["dynamic_range_drop_db"])
    return ChannelSigns(
        unclear=unclear,
        lost=rate < s["recognised_min_sps"] or (customer_rate is not None
                                                 and rate < s["recognised_vs_customer"] * customer_rate),
        dull=dull or very_dull, blurred=blurred,
        strong=strong, share=share, customer_share=customer_share, rate=rate, customer_rate=customer_rate,
        balance_db=agent.spectral_balance_db, customer_balance_db=customer.spectral_balance_db if customer else None,
        presence_db=agent.presence_db, customer_presence_db=customer.presence_db if customer else None,
        top_db=agent.top_db, customer_top_db=customer.top_db if customer else None,
    )


def _dullness(agent, customer, s) -> tuple[bool, bool]:
    """(dull, very dull): the agent's highs against the customer's; very dull = no line explains it."""
    def drop(field: str) -> float | None:
        mine, theirs = getattr(agent, field), getattr(customer, field) if customer else None
        return theirs - mine if mine is not None and theirs is not None else None

    balance_drop, presence_drop, top_drop = drop("spectral_balance_db"), drop("presence_db"), drop("top_db")
    dull = (balance_drop is not None and balance_drop >= s["balance_drop_db"]) or (
        presence_drop is not None and presence_drop >= s["presence_drop_db"]) or (
        top_drop is not None and top_drop >= s["top_drop_db"])
    # next to nothing left above 2 kHz (and less than the customer has, if there is one to compare with)
    very_dull = (agent.presence_db is not None and agent.presence_db <= s["strong_presence_max_db"] and (
        customer is None or customer.presence_db is None or (presence_drop or 0.0) >= s["presence_drop_db"])) or (
        balance_drop is not None and balance_drop >= s["strong_balance_drop_db"]) or (
        top_drop is not None and top_drop >= s["strong_top_drop_db"])
    return dull, very_dull


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    signs = channel_signs(ctx)
    if signs is None:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig Sprache des Agenten.", "Too little agent speech to judge."))
    named = signs.named(lang)
    measured = {"low_confidence_share": rounded(signs.share), "customer_low_confidence_share": rounded(signs.customer_share),
                "recognised_sps": round(signs.rate, 2), "customer_recognised_sps": rounded(signs.customer_rate),
                "spectral_balance_db": rounded(signs.balance_db),
                "customer_spectral_balance_db": rounded(signs.customer_balance_db),
                "presence_db": rounded(signs.presence_db), "customer_presence_db": rounded(signs.customer_presence_db),
                "top_db": rounded(signs.top_db), "customer_top_db": rounded(signs.customer_top_db),
                "dynamic_range_db": rounded(ctx.measurements.roles["agent"].dynamic_range_db),
                "signs": signs.count, "strong_sign": signs.strong}
    threshold = {k: s[k] for k in ("low_probability", "low_confidence_share_max", "customer_margin",
                                   "recognised_min_sps", "recognised_vs_customer", "balance_drop_db", "min_signs",
                                   "strong_low_confidence_share", "clear_customer_share_max", "strong_balance_drop_db",
                                   "presence_drop_db", "strong_presence_max_db", "top_drop_db",
                                   "strong_top_drop_db", "blurred_max_db",
                                   "dynamic_range_drop_db")}
    if signs.count < s["min_signs"] and not signs.strong:
        return RuleResult(RULE, "pass", pick(
            lang, f"{signs.count} Anzeichen ({named or '-'}); {_pct(signs.share)} der Wörter unsicher erkannt.",
            f"{signs.count} signs ({named or '-'}); {_pct(signs.share)} of words recognised with low confidence."))
    words = ctx.words("agent")
    low = [w for w in words if w.probability < s["low_probability"]]
    evidence = tuple(Evidence(w.start_s, w.end_s, "agent", f"{w.text} ({w.probability:.2f})") for w in low[:8]) or tuple(
        turn_evidence(t) for t in ctx.turns("agent")[:3])
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if signs.count >= 3 or (signs.strong and signs.count >= 2)
        else "minor",
        confidence=confidence_from(excess=_excess(signs, s)), measured=measured, threshold=threshold,
        evidence=evidence,
        tip=pick(lang,
                 "Sprechen Sie Endungen und Konsonanten deutlich aus und halten Sie das Mikrofon in gleichem "
                 "Abstand vor dem Mund. Namen, Zahlen und Adressen langsam und betont sprechen.",
                 "Finish your word endings and consonants, and keep the microphone at a steady distance "
                 "from your mouth. Say names, numbers and addresses slowly and clearly."),
    )
    detail = pick(lang, f"{_pct(signs.share)} der Wörter unsicher, Kunde {_pct(signs.customer_share)}",
                  f"{_pct(signs.share)} of words unsure, customer {_pct(signs.customer_share)}")
    return RuleResult(RULE, "fail", f"{named} ({detail}).", finding)


def _excess(signs: ChannelSigns, s) -> float:
    """How clearly the channel is indistinct: signs beyond the minimum, and how far the strongest is past its limit."""
    parts = [0.5 * (signs.count - s["min_signs"] + (1 if signs.strong else 0))]
    if signs.share is not None and signs.unclear:
        parts.append((signs.share - s["low_confidence_share_max"]) / s["low_confidence_share_max"])
    for band in ("balance", "presence", "top") if signs.dull else ():  # each measure of dullness against its limit
        mine, theirs, limit = getattr(signs, f"{band}_db"), getattr(signs, f"customer_{band}_db"), s[f"{band}_drop_db"]
        if mine is not None and theirs is not None:
            parts.append((theirs - mine - limit) / limit)
    return max(parts)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _low_share(words: tuple[Word, ...], limit: float) -> float:
    return sum(w.probability < limit for w in words) / len(words) if words else 0.0
