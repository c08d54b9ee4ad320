"""Text for the synthetic newsroom: English and German word lists and a seeded sentence maker.

Nothing here touches the database; articles/synthetic/__init__.py builds the rows.
"""

import random
from functools import cache
from itertools import accumulate

from django.utils.text import slugify

from ..models import CorrectionKind


def _words(text: str) -> list[str]:
    return text.split()


def _phrases(text: str) -> list[str]:
    return [" ".join(phrase.split()) for phrase in text.split("|")]


NOUNS = _words("""
government council minister court company union report study committee police hospital school
university bank airline city region party coalition mayor judge regulator agency board museum
festival team club league budget plan proposal law deal contract strike election vote inquiry
investigation reform tax policy scheme project market price rent wage pension railway airport
bridge harbour factory mine farm border treaty summit ceasefire survey audit lawsuit merger
takeover scandal protest campaign programme strategy network platform app algorithm vaccine
virus trial drug clinic ward shortage surplus deficit forecast recession inflation currency bond
loan debt grant subsidy fund charity trust prosecutor lawyer witness suspect officer
spokesperson director chief executive founder scientist researcher teacher student parent nurse
doctor farmer driver worker tenant landlord
""")
ADJECTIVES = _words("""
new local national regional federal former senior junior public private controversial
long-awaited delayed rejected popular unpopular official independent key major minor rising
falling annual quarterly emergency temporary permanent historic ambitious modest costly cheap
secret leaked disputed growing shrinking largest smallest oldest youngest rural urban coastal
northern southern eastern western digital green fragile troubled successful
""")
VERBS = _words("""
approved rejected criticised announced delayed postponed defended welcomed questioned blocked
backed funded cancelled revised launched expanded cut raised reviewed investigated challenged
praised dismissed extended proposed signed scrapped unveiled confirmed denied published leaked
warned doubled halved suspended restored reopened closed sold bought merged replaced appointed
sacked sued
""")
TAILS = _phrases("""
in the capital | on Monday | on Tuesday | on Wednesday | on Thursday | on Friday | at the weekend
| after months of talks | despite fierce criticism | for the first time since 2009
| in a narrow vote | behind closed doors | ahead of the election | amid rising costs
| under pressure from campaigners | in a surprise move | at short notice | for the coming year
| in the north of the country | following a long dispute | without a debate | in a statement
| by a wide margin | last month
""")
PLACES = _words("""
Berlin London Paris Madrid Rome Vienna Zurich Warsaw Prague Athens Lisbon Dublin Brussels
Amsterdam Oslo Stockholm Helsinki Nairobi Lagos Cairo Delhi Tokyo Seoul Jakarta Lima Bogotá
Toronto Chicago Sydney Auckland
""")
FIRST_NAMES = _words("""
Anna Ben Clara David Elif Farid Greta Hannah Ivan Julia Kofi Lena Marco Nadia Omar Paula
Quentin Rosa Samir Tanja Ulrich Vera Wei Xenia Yusuf Zoe Amira Björn Chiara Dmitri Emma Felix
Gabriel Hiroshi Ingrid Jonas Karin Luca Maya Niko Olga Pedro Rania Sofia Tomás Ursula Viktor
Wanda Yara Zeynep
""")
SURNAMES = _words("""
Schneider Müller Okafor Rossi García Nowak Dubois Johansson Kowalski Nakamura Silva Fischer
Weber Meyer Wagner Becker Hoffmann Schulz Koch Richter Klein Wolf Schröder Neumann Schwarz
Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Kaya Öztürk
Andersen Murphy O'Brien Kelly Byrne Patel Singh Chen Wang Li Kim Park Nguyen Mensah Haddad
Khalil Costa Ferreira Moreau Laurent
""")
JOB_TITLES = _phrases("""
Reporter | Senior reporter | Political correspondent | Economics editor | Data reporter
| Science writer | Culture critic | Sports reporter | Foreign correspondent | Photographer
| Columnist | Investigations editor | Health correspondent | Climate reporter
""")
SECTION_NAMES = [  # (English, German)
    tuple(pair.split("/"))
    for pair in _phrases("""
World/Welt | Politics/Politik | Business/Wirtschaft | Science/Wissenschaft | Technology/Technik
| Culture/Kultur | Sport/Sport | Opinion/Meinung | Health/Gesundheit | Climate/Klima
| Education/Bildung | Media/Medien | Travel/Reisen | Food/Essen | Books/Bücher | Music/Musik
| Film/Film | Cities/Städte | Law/Recht | Money/Geld | Europe/Europa | Africa/Afrika | Asia/Asien
| Americas/Amerika | Middle East/Nahost | Lifestyle/Leben | Obituaries/Nachrufe | Data/Daten
| Investigations/Recherche | Letters/Leserbriefe
""")
]

# German: the adjectives end in -e, which fits both "Die neue Regierung" and "neue Regeln".
DE_SUBJECTS = _phrases("""
Der Stadtrat | Der Minister | Der Konzern | Der Verband | Der Bürgermeister | Der Senat
| Der Bundestag | Der Vorstand | Der Richter | Die Regierung | Die Opposition | Die Polizei
| Die Stadt | Die Gewerkschaft | Die Bank | Die Kommission | Die Behörde | Die Partei
| Die Koalition | Die Studie | Das Gericht | Das Ministerium | Das Unternehmen
| Das Krankenhaus | Das Parlament | Das Museum
""")
DE_ADJECTIVES = _words("""
neue zuständige städtische regionale örtliche größte höhere strengere umstrittene geplante
verschobene öffentliche private jährliche digitale grüne frühere gemeinsame
""")
DE_PLURALS = _words("""
Regeln Mieten Steuern Gebühren Wohnungen Schulen Straßen Brücken Kliniken Renten Löhne Preise
Kredite Subventionen Verträge Reformen Pläne Gesetze Wahlen Streiks Studien Berichte Projekte
Programme Ärzte Lehrer Schüler Radwege Bahnstrecken Windräder Haushaltsmittel Zuschüsse
Kontrollen Grenzwerte
""")
DE_VERBS = _words("""
kritisierte forderte beschloss prüfte verschob begrüßte plante verteidigte stoppte
unterstützte finanzierte verlangte bestätigte veröffentlichte erhöhte senkte verdoppelte kürzte
""")
DE_TAILS = _phrases("""
am Montag | am Dienstag | am Mittwoch | am Donnerstag | am Freitag | in Berlin
| nach monatelangen Verhandlungen | trotz heftiger Kritik | im Bundestag | für das kommende Jahr
| hinter verschlossenen Türen | vor der Wahl | überraschend | in einer Erklärung
| mit knapper Mehrheit | im vergangenen Monat | zum ersten Mal seit Jahren
""")


# A long tail of made-up places, drawn by Zipf's law: a few are in many articles, most in a
# handful, so that a search can be selective (every word of the lists above is in most bodies).
LOCALITY_PARTS = (
    _words("ba bel cor da del fen gar hal ka kel lor ma mer nor pa quen ra sel tor val wen zar"),
    _words("a e i o u an en in on ar er ir or"),
    _words("burg dorf heim stad vik mont ville berg wick thorpe field haven"),
)
LOCALITY_SHARE = 0.2  # of clauses, which end "near <place>"
NEAR = {"en": "near", "de": "bei"}


@cache
def localities() -> tuple[list[str], list[float]]:
    """Every made-up place, and cumulative Zipf weights (rank r drawn ~ 1 / r) for choices()."""
    first, middle, last = LOCALITY_PARTS
    names = [f"{a}{b}{c}".capitalize() for a in first for b in middle for c in last]
    random.Random("localities").shuffle(names)
    return names, list(accumulate(1 / rank for rank in range(1, len(names) + 1)))


CORRECTION_TEXTS = {
    CorrectionKind.CORRECTION: "An earlier version of this article gave the wrong {noun}: "
    "it was **{n}**, not {m}.",
    CorrectionKind.CLARIFICATION: "This article has been amended to make clear that the {noun} "
    "was not involved.",
    CorrectionKind.UPDATE: "This article was updated with a statement from the {noun}.",
    CorrectionKind.EDITORS_NOTE: "*Editor’s note:* the {noun} mentioned here has asked us to "
    "point out that it was not consulted.",
}
# How a clause ends: a full stop, or a conjunction leading into a second clause.
JOINS = {
    "en": [".", ".", ".", ", and", ", but", ", while"],
    "de": [".", ".", ".", ", und", ", aber", ", doch"],
}


@cache
def _english_phrases():
    """Noun phrases and clause tails: every combination, so text draws from a large pool."""
    nouns = [f"the {noun}" for noun in NOUNS]
    nouns += [f"the {adjective} {noun}" for adjective in ADJECTIVES for noun in NOUNS]
    nouns += [f"the {noun} in {place}" for noun in NOUNS for place in PLACES]
    tails = [""] * len(TAILS) + [f" {tail}" for tail in TAILS]
    return nouns, tails


@cache
def _german_phrases():
    objects = [f"{adjective} {noun}" for adjective in DE_ADJECTIVES for noun in DE_PLURALS]
    subjects = [
        f"{subject.split()[0]} {adjective} {subject.split()[1]}"
        for subject in DE_SUBJECTS
        for adjective in DE_ADJECTIVES
    ] + DE_SUBJECTS
    tails = [""] * len(DE_TAILS) + [f" {tail}" for tail in DE_TAILS]
    return subjects, objects, tails


class TextMaker:
    """Sentences, headlines and Markdown bodies in English or German, from one random stream."""

    MAX_BODY_WORDS = 1_500

    def __init__(self, rng: random.Random, language: str = "en"):
        self.rng = rng
        self.language = language

    def sentences(self, count: int) -> list[str]:
        rng = self.rng
        if self.language == "en":
            nouns, tails = _english_phrases()
            subjects, objects = rng.choices(nouns, k=count), rng.choices(nouns, k=count)
        else:
            subjects_de, objects_de, tails = _german_phrases()
            subjects, objects = rng.choices(subjects_de, k=count), rng.choices(objects_de, k=count)
        verbs = rng.choices(VERBS if self.language == "en" else DE_VERBS, k=count)
        ends = rng.choices(tails, k=count)
        places, weights = localities()
        near = NEAR[self.language]
        ends = [
            f"{end} {near} {place}" if roll < LOCALITY_SHARE else end
            for end, roll, place in zip(
                ends,
                (rng.random() for _ in range(count)),
                rng.choices(places, cum_weights=weights, k=count),
                strict=True,
            )
        ]
        joins = rng.choices(JOINS[self.language], k=count)
        result, clause = [], ""
        for subject, verb, obj, end, join in zip(
            subjects, verbs, objects, ends, joins, strict=True
        ):
            text = f"{subject} {verb} {obj}{end}"
            if clause:
                result.append(f"{clause} {text[0].lower()}{text[1:]}.")
                clause = ""
            elif join == ".":
                result.append(f"{text[0].upper()}{text[1:]}.")
            else:
                clause = f"{text[0].upper()}{text[1:]}{join}"
        if clause:
            result.append(clause.rsplit(",", 1)[0] + ".")
        return result

    def headline(self) -> str:
        """A sentence of 6–14 words, without its full stop."""
        while True:
            headline = self.sentences(1)[0].removesuffix(".")
            if 6 <= headline.count(" ") + 1 <= 14:
                return headline

    def standfirst(self) -> str:
        return " ".join(self.sentences(self.rng.randint(1, 2)))

    def body(self) -> str:
        """400–1,500 words of Markdown in 6–20 paragraphs, with a few ## subheadings."""
        rng = self.rng
        paragraphs = rng.randint(6, 20)
        target = rng.randint(440, 1_470)
        headings = rng.sample(range(1, paragraphs), k=min(rng.randint(1, 3), paragraphs - 1))
        heading_texts = {at: self.headline().split()[: rng.randint(2, 5)] for at in headings}
        budget = self.MAX_BODY_WORDS - sum(len(words) for words in heading_texts.values())
        sentences, words = [], 0
        while words < target:
            for sentence in self.sentences(8):
                sentences.append(sentence)
                words += sentence.count(" ") + 1
                if words >= target:
                    break
        if words > budget:
            sentences.pop()
        blocks, listed = [], True  # the opening paragraph is always plain prose
        for number in range(paragraphs):
            if number in heading_texts:
                blocks.append("## " + " ".join(heading_texts[number]))
            chunk = sentences[
                len(sentences) * number // paragraphs : len(sentences) * (number + 1) // paragraphs
            ]
            # Never a list right after a list: the two would run into one loose list.
            paragraph = self._dress(chunk, plain=listed)
            listed = paragraph.startswith("- ")
            blocks.append(paragraph)
        return "\n\n".join(blocks)

    def _dress(self, sentences: list[str], plain: bool) -> str:
        """A paragraph, now and then with emphasis or a link; unless `plain`, a quote or a list."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.04 and len(sentences) >= 3 and not plain:
            return "\n".join(f"- {sentence}" for sentence in sentences)
        if roll < 0.08 and not plain:
            return "> " + " ".join(sentences)
        text = " ".join(sentences)
        if roll < 0.25:
            words = text.split(" ")
            at = rng.randrange(len(words) - 1)
            word = words[at].rstrip(".,")
            if word:
                tail = words[at][len(word) :]
                words[at] = rng.choice(
                    [f"*{word}*", f"**{word}**", f"[{word}](https://example.org/{slugify(word)})"]
                )
                words[at] += tail
            text = " ".join(words)
        return text


# The guard --------------------------------------------------------------------------------------
