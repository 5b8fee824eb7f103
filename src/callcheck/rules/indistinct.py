"""indistinct_speech - nachlässige, undeutliche Aussprache: information gets lost.

Two signs: the recogniser is unsure of many of the agent's words (more than of
the customer's, which rules out a bad line), and the agent's speech is duller
than the customer's (less energy above 1 kHz, where consonants live).
"""

from __future__ import annotations

from callcheck.records import Word
from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, pick, rounded

RULE = "indistinct_speech"
TITLE = {"de": "Undeutliche Aussprache", "en": "Indistinct pronunciation"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    words = ctx.words("agent")
    if len(words) < s["min_words"]:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenige erkannte Wörter des Agenten.", "Too few recognised agent words to judge."))
    share = _low_share(words, s["low_probability"])
    customer_words = ctx.words("customer")
    customer_share = _low_share(customer_words, s["low_probability"]) if len(customer_words) >= s["min_words"] else None
    roles = ctx.measurements.roles
    balance = roles["agent"].spectral_balance_db
    customer_balance = roles["customer"].spectral_balance_db if "customer" in roles else None
    unclear = share > s["low_confidence_share_max"] and (
        customer_share is None or share - customer_share >= s["customer_margin"])
    dull = balance is not None and customer_balance is not None and customer_balance - balance >= s["balance_drop_db"]
    measured = {"low_confidence_share": round(share, 2), "customer_low_confidence_share": rounded(customer_share),
                "spectral_balance_db": rounded(balance), "customer_spectral_balance_db": rounded(customer_balance)}
    threshold = {"low_probability": s["low_probability"], "low_confidence_share_max": s["low_confidence_share_max"],
                 "customer_margin": s["customer_margin"], "balance_drop_db": s["balance_drop_db"]}
    if not (unclear or (dull and share > s["low_confidence_share_max"] / 2)):
        return RuleResult(RULE, "pass", pick(
            lang, f"{share:.0%} der Wörter unsicher erkannt.", f"{share:.0%} of words recognised with low confidence."))
    low = [w for w in words if w.probability < s["low_probability"]]
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if unclear and dull else "minor",
        confidence=0.85 if unclear and dull else 0.65, measured=measured, threshold=threshold,
        evidence=tuple(Evidence(w.start_s, w.end_s, "agent", f"{w.text} ({w.probability:.2f})") for w in low[:8]),
        tip=pick(lang,
                 "Sprechen Sie Endungen und Konsonanten deutlich aus und halten Sie das Mikrofon in gleichem "
                 "Abstand vor dem Mund. Namen, Zahlen und Adressen langsam und betont sprechen.",
                 "Finish your word endings and consonants, and keep the microphone at a steady distance "
                 "from your mouth. Say names, numbers and addresses slowly and clearly."),
    )
    return RuleResult(RULE, "fail", pick(
        lang, f"{share:.0%} der Wörter des Agenten unsicher erkannt"
              + (f" (Kunde {customer_share:.0%})" if customer_share is not None else "") + ".",
        f"{share:.0%} of the agent's words recognised with low confidence"
        + (f" (customer {customer_share:.0%})" if customer_share is not None else "") + "."), finding)


def _low_share(words: tuple[Word, ...], limit: float) -> float:
    return sum(w.probability < limit for w in words) / len(words) if words else 0.0
