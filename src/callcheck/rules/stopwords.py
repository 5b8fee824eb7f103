"""Function words of German and English: what does not count when two turns are compared for content.

A paraphrase ("So the light came on right after the service?") repeats the
customer's content words (light, service), not their articles and pronouns.
Number words are here too: repeating an order number back confirms it, it does
not take up the problem. Call-centre filler ("okay", "please", "thanks") and the
most common verbs carry no content either.
"""

from __future__ import annotations

_DE = """
aber alle allem allen aller alles als also am an ander andere anderen anders auch auf aus bei beim bin bis bist
bitte da dabei dadurch dafür dagegen daher damit danach dann daran darauf darum das dass davon dazu dein deine
dem den denn der des deshalb dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch eben
ein eine einem einen einer eines einfach er es etwa etwas euch euer für gab ganz gar gegen gehabt gehen geht
gewesen gibt habe haben hast hat hatte hätte hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres
im immer in ins ist ja je jede jedem jeden jeder jedes jetzt kann kannst kein keine keinem keinen keiner können
könnte machen macht man mehr mein meine meinem meinen meiner mich mir mit muss müssen nach nein nicht nichts noch
nun nur ob oder ohne okay schon sehr sein seine seinem seinen seiner sich sie sind so soll sollen sollte sondern
um und uns unser unsere unter viel vom von vor war waren warum was weil welche welchem welchen welcher welches
wenn wer werde werden wie wieder will wir wird wirklich wo wurde würde zu zum zur über also genau gut gerne gern
danke dankeschön schön hallo tag guten morgen abend moment mal eigentlich gerade bisschen okay ok äh ähm hm mhm
null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig hundert tausend
sagen sage sagt gesagt heißt heute alles klar natürlich sicher richtig stimmt frau herr
"""

_EN = """
a about above after again all also am an and any are aren as at be because been before being below between both
but by can cannot could couldn did didn do does doesn doing don down during each few for from further get gets
got had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its
itself just let ll me more most my myself no nor not now of off on once only or other our ours ourselves out over
own re same she should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was wasn we were weren what when where which while who whom why will with
won would wouldn you your yours yourself yourselves okay ok yes yeah please thanks thank well oh uh um hmm mhm
right sure really actually just like know see look say said tell told one two three four five six seven eight
nine ten eleven twelve twenty thirty hundred thousand zero today hello hi good morning afternoon evening sir
madam ve going gonna want need think
"""

STOPWORDS: dict[str, frozenset[str]] = {"de": frozenset(_DE.split()), "en": frozenset(_EN.split())}
