"""The practice page: `static/index.html` filled with the texts of one language.

Placeholders `{{key}}` take the escaped text of that key; `{{scenario_options}}`
the exercise list; `{{config}}` a JSON block the script reads (texts, limits,
scenarios, rule titles), escaped so that nothing in it can close the script element.
"""

from __future__ import annotations

import html
import importlib.resources
import json
import re
from functools import cache

from callcheck.rules import RULES
from callcheck.web.texts import scenarios, texts

STATIC = importlib.resources.files("callcheck.web") / "static"


@cache
def _template() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


def render_page(language: str, *, max_upload_bytes: int, max_duration_s: float, keep_audio: bool) -> str:
    t = dict(texts(language))
    max_mb, max_min = f"{max_upload_bytes / 2**20:g}", f"{max_duration_s / 60:g}"
    t["upload_hint"] = t["upload_hint"].format(max_mb=max_mb, max_min=max_min)
    t["privacy"] = t["privacy_kept"] if keep_audio else t["privacy"]
    items = scenarios(language)
    rules = {rule.RULE: rule.TITLE["de" if language == "de" else "en"] for rule in RULES}
    config = {"language": language, "texts": t, "scenarios": items, "rules": rules,
              "limits": {"max_upload_bytes": max_upload_bytes, "max_duration_s": max_duration_s}}
    values = {key: html.escape(value) for key, value in t.items()}
    values["lang"] = language
    values["other_lang"] = "en" if language == "de" else "de"
    values["scenario_options"] = "".join(
        f'<option value="{html.escape(s["id"])}">{html.escape(s["title"])}</option>' for s in items)
    values["config"] = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], _template())
