"""Inline style sheet and seek script of the HTML report (no external resources)."""

CSS = """
:root { --agent: #1f5fa8; --customer: #d07a16; --ink: #1d2330; --muted: #5f6b7a; --line: #dde2e8;
  --pass: #2b8a3e; --fail: #c92a2a; --na: #868e96; --minor: #e0a800; --major: #e8590c; --critical: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.5rem; margin: 0 0 8px; word-break: break-word; }
h2 { font-size: 1.2rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 4px; }
h4 { font-size: .9rem; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
code { font: .85em ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; color: #3b4452; }
header { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
.heading { flex: 1 1 520px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 0; }
.facts div { display: flex; gap: 6px; } .facts dt { color: var(--muted); } .facts dt::after { content: ":"; }
.facts dd { margin: 0; word-break: break-all; }
.note { color: var(--muted); font-style: italic; margin: 8px 0 0; }
.score { min-width: 190px; padding: 12px 18px; border-radius: 12px; background: #fff; border: 1px solid var(--line);
  display: flex; flex-direction: column; align-items: center; text-align: center; }
.score .label { color: var(--muted); font-size: .85rem; text-transform: uppercase; letter-spacing: .05em; }
.score .value { font-size: 2.6rem; font-weight: 700; line-height: 1.1; }
.score .of { color: var(--muted); font-size: .85rem; } .score .summary { font-size: .85rem; margin-top: 6px; }
.score.good .value { color: var(--pass); } .score.fair .value { color: var(--major); }
.score.poor .value { color: var(--fail); } .score.none .value { color: var(--na); }
.player { position: sticky; top: 0; z-index: 2; display: flex; gap: 12px; align-items: center; flex-wrap: wrap;
  background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; margin-top: 16px; }
.player audio { flex: 1 1 360px; } .player span { color: var(--muted); font-size: .85rem; }
.finding { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--minor);
  border-radius: 10px; padding: 14px 18px; margin: 14px 0; }
.finding.major { border-left-color: var(--major); } .finding.critical { border-left-color: var(--critical); }
.number { display: inline-block; min-width: 1.6em; padding: 0 .4em; border-radius: 1em; background: var(--ink);
  color: #fff; text-align: center; font-size: .85em; margin-right: 4px; }
.meta { margin: 0; color: var(--muted); font-size: .9rem; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: .8rem; font-weight: 600; }
.badge.minor { background: var(--minor); color: #2b2100; } .badge.major { background: var(--major); }
.badge.critical, .badge.fail { background: var(--fail); } .badge.pass { background: var(--pass); }
.badge.not_applicable { background: var(--na); }
.tip { margin: 12px 0 4px; padding: 10px 14px; border-radius: 8px; background: #eef6ee; border: 1px solid #cfe6d1; }
.evidence { list-style: none; margin: 0; padding: 0; }
.evidence li { padding: 4px 8px; border-radius: 6px; }
.evidence li:nth-child(odd) { background: #f7f8fa; }
.when { font-variant-numeric: tabular-nums; color: var(--muted); font-size: .85rem; margin-right: 6px; }
.who { font-weight: 600; font-size: .85rem; margin-right: 4px; }
.who.agent { color: var(--agent); } .who.customer { color: var(--customer); }
.described { color: var(--muted); }
q { quotes: "\\201C" "\\201D"; } html[lang="de"] q { quotes: "\\201E" "\\201C"; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; vertical-align: top; padding: 5px 10px; border-bottom: 1px solid var(--line); }
thead th { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.measured { margin-top: 12px; font-size: .88rem; } .measured th { font-weight: normal; }
.measured .key { color: var(--muted); font-size: .75rem; margin-left: 6px; }
.outcomes { border: 1px solid var(--line); border-radius: 10px; }
.outcomes tr.fail td:first-child { border-left: 4px solid var(--fail); }
.outcomes td:nth-child(2) { white-space: nowrap; }
figure { margin: 14px 0; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
figcaption { font-size: .9rem; color: var(--muted); margin-bottom: 4px; }
figcaption strong { color: var(--ink); margin-right: 6px; }
svg.plot { display: block; width: 100%; height: auto; }
.turns { list-style: none; margin: 0; padding: 0; background: #fff; border: 1px solid var(--line); border-radius: 10px; }
.turn { padding: 8px 14px; border-bottom: 1px solid var(--line); border-left: 4px solid var(--agent); }
.turn.customer { border-left-color: var(--customer); background: #fffaf3; }
.turn:last-child { border-bottom: 0; } .turn p { margin: 2px 0 0; }
.turn.backchannel p { color: var(--muted); font-style: italic; }
.w.low { text-decoration: underline dotted #b02a2a; text-underline-offset: 3px; }
.mark { display: inline-block; min-width: 1.4em; margin-left: 4px; padding: 0 .35em; border-radius: 1em;
  background: var(--major); color: #fff; font-size: .75rem; text-align: center; text-decoration: none; }
[data-start] { cursor: pointer; } .w[data-start]:hover, li[data-start]:hover, .when[data-start]:hover {
  background: #e3edf9; border-radius: 3px; }
.playing { background: #ffe9a8 !important; border-radius: 3px; }
.ok { font-size: 1.05rem; color: var(--pass); }
footer { margin-top: 36px; color: var(--muted); font-size: .8rem; }
@media print { .player { display: none; } body { background: #fff; } }
"""

# Seeks the player to an element's data-start (seconds) on click or Enter, and
# highlights the word being played.
SEEK_SCRIPT = """
(function () {
  var audio = document.getElementById("call-audio");
  if (!audio) { return; }
  function seek(el) { audio.currentTime = parseFloat(el.getAttribute("data-start")) || 0; audio.play(); }
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-start]");
    if (el) { seek(el); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" && e.key !== " ") { return; }
    var el = e.target.closest && e.target.closest("[data-start]");
    if (el) { e.preventDefault(); seek(el); }
  });
  var words = Array.prototype.slice.call(document.querySelectorAll(".w[data-start]"));
  var starts = words.map(function (w) { return parseFloat(w.getAttribute("data-start")); });
  var current = null;
  audio.addEventListener("timeupdate", function () {
    var t = audio.currentTime, hit = null, best = -1;
    for (var i = 0; i < words.length; i++) {
      if (starts[i] <= t && starts[i] >= best) { hit = words[i]; best = starts[i]; }
    }
    if (hit !== current) {
      if (current) { current.classList.remove("playing"); }
      if (hit) { hit.classList.add("playing"); }
      current = hit;
    }
  });
})();
"""
