"""Words and voices for the labelled evaluation corpus (see make_corpus.py).

Two disjoint splits: ``dev`` is what the thresholds were tuned on, ``test``
has other scenarios, names, phrasings and espeak-ng voices, so that an
evaluation on ``test`` measures rules on calls they were not tuned to.

A scenario is one support case: the customer's problem statement (or a
neutral request), the agent's question, the customer's answer, the agent's
solution, a longer follow-up by the customer and the agent's answer to it.
``{company}``, ``{first}`` and ``{last}`` are filled in per call.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    problem: str      # the customer's first turn; voices a problem (or a neutral request)
    question: str     # the agent asks for an identifier
    answer: str       # the customer's identifier
    solution: str     # the agent's longer explanation
    follow_up: str    # a longer customer turn (the agent may barge into it)
    reply: str        # the agent's answer to the follow-up
    neutral: bool = False  # True: the customer voices no problem (lacks_empathy is not applicable)


@dataclass(frozen=True)
class Pool:
    """Everything one split draws from, for one language."""

    agent_voices: tuple[str, ...]
    customer_voices: tuple[str, ...]
    companies: tuple[str, ...]
    names: tuple[tuple[str, str], ...]
    short_greetings: tuple[str, ...]
    long_greetings: tuple[str, ...]
    empathy: tuple[str, ...]          # the agent acknowledges the problem
    plain: tuple[str, ...]            # a neutral opener with no empathy (lacks_empathy)
    know_it_all: tuple[str, ...]      # lecturing, contradicting (lacks_empathy)
    impatience: tuple[str, ...]       # impatient phrase opening the reply (impatient_voice)
    thanks: tuple[str, ...]
    closings: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


DE_DEV = Pool(
    agent_voices=("de+m3", "de+m1"),
    customer_voices=("de+m3",),
    companies=("Grumps und Söhne", "Möbel Berger", "Elektro Krause"),
    names=(("Sonja", "Müller"), ("Jonas", "Becker"), ("Anna", "Schmidt")),
    short_greetings=("{company}, {first} {last}, guten Tag.", "{company}, {first} {last}, hallo."),
    long_greetings=(
        "Herzlich willkommen bei {company}, mein Name ist {first} {last}, was kann ich für Sie tun?",
        "Einen wunderschönen guten Tag und herzlich willkommen bei {company}, Sie sprechen mit {first} {last}, "
        "wie kann ich Ihnen behilflich sein?",
    ),
    empathy=("Das tut mir leid.", "Oh je, das ist ärgerlich.", "Das verstehe ich gut."),
    plain=("Aha.", "So."),
    know_it_all=("Da irren Sie sich aber.", "Das ist falsch, das steht doch in der Anleitung."),
    impatience=("Ja ja, wie gesagt.", "Kommen Sie bitte zum Punkt."),
    thanks=("Prima, vielen Dank.", "Gut, danke schön."),
    closings=("Gern geschehen. Schönen Tag noch.", "Gerne. Auf Wiederhören."),
    scenarios=(
        Scenario(
            "Guten Tag. Ich habe einen Tisch bestellt, aber er ist immer noch nicht da.",
            "Wie ist Ihre Bestellnummer?", "Vier fünf acht zwei.",
            "Danke. Ich sehe Ihre Bestellung. Der Tisch ist im Lager, er kommt am Donnerstag zwischen acht und zwölf Uhr.",
            "Am Donnerstag bin ich aber leider nicht zu Hause, ich arbeite bis abends, geht das auch am Samstag?",
            "Ja, das geht. Ich trage den Samstag ein, Sie bekommen eine Bestätigung per Mail.",
        ),
        Scenario(
            "Hallo. Meine Waschmaschine ist kaputt, sie pumpt das Wasser nicht mehr ab.",
            "Wie lautet Ihre Kundennummer?", "Sieben drei neun eins.",
            "Danke schön. Die Maschine hat noch Garantie. Ein Techniker kommt nächste Woche am Dienstag und repariert sie.",
            "Und was mache ich bis dahin mit der Wäsche, ich habe drei Kinder und die Wäsche stapelt sich schon.",
            "Sie können den Techniker auch früher bekommen, ich setze Sie auf die Warteliste für Montag.",
        ),
        Scenario(
            "Guten Tag, ich möchte meine Adresse ändern, wir sind nämlich umgezogen.",
            "Wie ist Ihre Kundennummer?", "Zwei zwei sechs acht.",
            "Danke. Ich habe Ihr Konto gefunden. Bitte nennen Sie mir die neue Straße und die Postleitzahl.",
            "Wir wohnen jetzt in der Gartenstraße zwölf in Köln, die Postleitzahl ist fünfzig sechshundertsiebenundsiebzig.",
            "Ich habe die neue Adresse gespeichert, die nächste Rechnung kommt schon dorthin.",
            neutral=True,
        ),
    ),
)

DE_TEST = Pool(
    agent_voices=("de+m6", "de+m5"),
    customer_voices=("de+m6", "de+m5"),
    companies=("Gartenbau Wagner", "Reisebüro Sonnenschein", "Stadtwerke Nordheim"),
    names=(("Katrin", "Hoffmann"), ("Peter", "Schulz"), ("Lena", "Fischer")),
    short_greetings=("{company}, {first} {last}.", "{company}, hier ist {first} {last}, guten Morgen."),
    long_greetings=(
        "Vielen Dank für Ihren Anruf bei {company}, mein Name ist {first} {last}, wie kann ich Ihnen heute helfen?",
        "Guten Tag und herzlich willkommen beim Kundenservice von {company}, am Apparat ist {first} {last}, "
        "was darf ich für Sie tun?",
    ),
    empathy=("Oh, das tut mir wirklich leid.", "Das kann ich gut nachvollziehen.", "Entschuldigen Sie bitte den Ärger."),
    plain=("Okay.", "Hm."),
    know_it_all=("Sie irren sich, das kann nicht sein.", "Das hätten Sie vorher lesen müssen."),
    impatience=("Ja ja, schon klar.", "Wie gesagt, kurz und knapp bitte."),
    thanks=("Super, danke.", "Alles klar, vielen Dank."),
    closings=("Sehr gern. Einen schönen Tag.", "Gerne doch. Tschüss."),
    scenarios=(
        Scenario(
            "Guten Morgen. Meine Stromrechnung ist viel zu hoch, da stimmt etwas nicht.",
            "Wie lautet Ihre Vertragsnummer?", "Eins null vier sechs.",
            "Danke. Ich sehe, der Zählerstand wurde geschätzt. Ich korrigiere die Rechnung, Sie bekommen Geld zurück.",
            "Wann bekomme ich das Geld denn, ich habe den Betrag schon abgebucht bekommen und das war sehr viel.",
            "Die Gutschrift kommt in fünf Tagen auf Ihr Konto, Sie bekommen eine neue Rechnung per Post.",
        ),
        Scenario(
            "Hallo, unsere Reise wurde storniert und wir haben noch kein Geld zurück bekommen.",
            "Wie ist Ihre Buchungsnummer?", "Acht eins fünf drei.",
            "Danke. Die Erstattung ist angewiesen. Das Geld ist in drei Werktagen auf Ihrem Konto.",
            "Drei Tage noch, wir warten schon seit einem Monat, und niemand hat uns informiert, was los ist.",
            "Ich schicke Ihnen heute noch eine Bestätigung, dann haben Sie es schriftlich.",
        ),
        Scenario(
            "Guten Tag, ich hätte gern einen Termin für die Gartenpflege im Frühling.",
            "Wie ist Ihre Kundennummer?", "Drei drei eins neun.",
            "Danke. Im April haben wir noch Termine frei. Ich kann Ihnen den zwölften oder den neunzehnten anbieten.",
            "Der neunzehnte wäre gut, am besten vormittags, weil wir nachmittags meistens nicht da sind.",
            "Ich trage den neunzehnten April um neun Uhr ein, Sie bekommen eine Bestätigung per Mail.",
            neutral=True,
        ),
    ),
)

EN_DEV = Pool(
    agent_voices=("en-us+m3", "en-gb"),
    customer_voices=("en-us+f2",),
    companies=("Grumps and Sons", "Bright Home", "Northwind Outfitters"),
    names=(("Sam", "Taylor"), ("Emma", "Brown"), ("Chris", "Walker")),
    short_greetings=("{company}, {first} {last}, hello.", "{company}, this is {first}, good morning."),
    long_greetings=(
        "Thank you for calling {company}, my name is {first} {last}, how may I help you today?",
        "Good morning and welcome to {company}, you are speaking with {first} {last}, what can I do for you?",
    ),
    empathy=("I'm sorry to hear that.", "Oh, I understand, that is frustrating."),
    plain=("Right.", "Okay then."),
    know_it_all=("That's wrong, it says so in the manual.", "As I already said, you should have read the instructions."),
    impatience=("Yeah yeah, as I said.", "Please get to the point."),
    thanks=("Great, thank you.", "Perfect, thanks a lot."),
    closings=("You're welcome. Have a nice day.", "My pleasure. Goodbye."),
    scenarios=(
        Scenario(
            "Hi, my order arrived yesterday, but the lamp inside was broken.",
            "What is your order number?", "Four five eight two.",
            "Thank you. I can see your order. I will send you a new lamp today, it arrives on Thursday.",
            "Thursday is difficult for me because I work until late, could the courier come on Saturday instead?",
            "Yes, Saturday works. I have changed the delivery, you will get an email confirmation.",
        ),
        Scenario(
            "Hello, my washing machine stopped working, it does not drain the water any more.",
            "What is your customer number?", "Seven three nine one.",
            "Thanks. The machine is still under warranty. A technician will come next Tuesday and repair it.",
            "And what do I do with the laundry until then, I have three children and it is piling up already.",
            "I can put you on the waiting list for Monday, then the technician comes earlier.",
        ),
        Scenario(
            "Hello, I would like to change my address, we have moved house.",
            "What is your customer number?", "Two two six eight.",
            "Thank you. I have found your account. Please tell me the new street and the post code.",
            "We now live at twelve Garden Street in Leeds, and the post code is L S six, four A B.",
            "I have saved the new address, your next bill will already go there.",
            neutral=True,
        ),
    ),
)

EN_TEST = Pool(
    agent_voices=("en-us+m1", "en-gb-x-rp"),
    customer_voices=("en-us", "en-gb+m5"),
    companies=("Sunrise Travel", "Metro Energy", "Green Garden Services"),
    names=(("Laura", "Evans"), ("Mark", "Hughes"), ("Kate", "Wilson")),
    short_greetings=("{company}, {first} speaking.", "Hello, {company}, {first} {last} here."),
    long_greetings=(
        "Hello and thank you for calling {company}, my name is {first} {last}, how may I assist you today?",
        "Welcome to the customer service of {company}, you're speaking with {first} {last}, how can I help you?",
    ),
    empathy=("Oh, I'm really sorry about that.", "I can imagine how annoying that is, I apologize."),
    plain=("Okay.", "Fine."),
    know_it_all=("You're wrong, that can't be.", "Like I said, you should have checked the meter yourself."),
    impatience=("Yeah yeah, I know.", "Just tell me what you need, quickly."),
    thanks=("Wonderful, thank you.", "Okay, thanks."),
    closings=("You're very welcome. Bye now.", "Glad to help. Have a good day."),
    scenarios=(
        Scenario(
            "Good morning. My electricity bill is far too high, something is wrong with it.",
            "What is your contract number?", "One zero four six.",
            "Thank you. I see the meter reading was estimated. I will correct the bill and you get money back.",
            "When will I get the money, it has already been taken from my account and it was a lot of money.",
            "The credit will be in your account within five days, and a new bill comes by post.",
        ),
        Scenario(
            "Hello, our trip was cancelled and we still have not received our refund.",
            "What is your booking number?", "Eight one five three.",
            "Thank you. The refund has been approved. The money will be in your account in three working days.",
            "Three more days, we have been waiting for a month already and nobody told us what was going on.",
            "I will send you a written confirmation today, so you have it in writing.",
        ),
        Scenario(
            "Hello, I would like to book a garden maintenance appointment for the spring.",
            "What is your customer number?", "Three three one nine.",
            "Thank you. We still have free dates in April. I can offer you the twelfth or the nineteenth.",
            "The nineteenth would be good, preferably in the morning, because we are usually out in the afternoon.",
            "I have booked the nineteenth of April at nine, you will get a confirmation by email.",
            neutral=True,
        ),
    ),
)

POOLS = {("dev", "de"): DE_DEV, ("dev", "en"): EN_DEV, ("test", "de"): DE_TEST, ("test", "en"): EN_TEST}
