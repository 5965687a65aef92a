"""Reproducible English-like prose from word lists and sentence templates.

A benchmark manuscript has to look like a real one to the Markdown parser, the
typographer and the line breaker (varied word lengths, punctuation, quotes,
apostrophes, the odd accented name), yet be identical for a given seed so that
runs on different machines and days measure the same book.
"""

from __future__ import annotations

import random
import re


def words(text: str) -> tuple[str, ...]:
    """A word list written as running text, so it reads as a list rather than a column."""
    return tuple(text.split())


def phrases(text: str) -> tuple[str, ...]:
    """A list of multi-word phrases, separated by `|`."""
    return tuple(part.strip() for part in text.split("|"))


NOUNS = words(
    "face voice silence kitchen table letter mirror window morning evening garden stair "
    "doorway promise habit question answer story memory photograph bedtime argument apology "
    "gesture glance pause sentence name feeling body breath hand shoulder room house car "
    "train coast field winter summer holiday school teacher sibling parent child grandmother "
    "friend partner stranger neighbour counsellor notebook crossword kettle lamp phone clock "
    "road river harbour boat storm season birthday funeral wedding meal chair blanket pocket "
    "secret rule boundary rhythm pattern signal tone promise distance welcome rupture repair "
    "attunement presence comfort warmth shame anger grief joy fear longing relief patience"
)
IRREGULAR_PLURALS = {
    "child": "children",
    "body": "bodies",
    "story": "stories",
    "memory": "memories",
    "boundary": "boundaries",
}
ADJECTIVES = words(
    "quiet small ordinary careful patient tired bright open closed familiar strange gentle "
    "sharp slow sudden steady fragile honest unspoken invisible warm cold awkward tender "
    "stubborn anxious generous hidden long brief early late first last old new unhurried "
    "clumsy attentive distracted lonely shared private public difficult easy serious playful "
    "curious weary hopeful broken repeated inherited ordinary remarkable half-finished "
    "well-meant"
)
# (base, third person singular, past, gerund)
VERBS = (
    ("notice", "notices", "noticed", "noticing"),
    ("hear", "hears", "heard", "hearing"),
    ("answer", "answers", "answered", "answering"),
    ("carry", "carries", "carried", "carrying"),
    ("hold", "holds", "held", "holding"),
    ("miss", "misses", "missed", "missing"),
    ("name", "names", "named", "naming"),
    ("return", "returns", "returned", "returning"),
    ("remember", "remembers", "remembered", "remembering"),
    ("forget", "forgets", "forgot", "forgetting"),
    ("repair", "repairs", "repaired", "repairing"),
    ("mirror", "mirrors", "mirrored", "mirroring"),
    ("watch", "watches", "watched", "watching"),
    ("wait for", "waits for", "waited for", "waiting for"),
    ("look after", "looks after", "looked after", "looking after"),
    ("understand", "understands", "understood", "understanding"),
    ("soften", "softens", "softened", "softening"),
    ("interrupt", "interrupts", "interrupted", "interrupting"),
    ("explain", "explains", "explained", "explaining"),
    ("protect", "protects", "protected", "protecting"),
    ("teach", "teaches", "taught", "teaching"),
    ("learn", "learns", "learnt", "learning"),
    ("find", "finds", "found", "finding"),
    ("keep", "keeps", "kept", "keeping"),
    ("offer", "offers", "offered", "offering"),
    ("refuse", "refuses", "refused", "refusing"),
    ("welcome", "welcomes", "welcomed", "welcoming"),
    ("describe", "describes", "described", "describing"),
)
ADVERBS = phrases(
    "quietly | slowly | carefully | suddenly | gently | often | rarely | honestly | almost | "
    "patiently | clumsily | again | eventually | instinctively | deliberately | reluctantly | "
    "at once | without thinking | more often than not | in the end"
)
PREPOSITIONS = phrases(
    "in | beside | behind | under | across | after | before | through | around | towards | "
    "without | within | beneath | near"
)
DETERMINERS = ("the", "a", "her", "his", "our", "their", "my", "that", "every", "one")
PEOPLE = phrases(
    "my daughter | my son | a client | my mother | my father | an old friend | a neighbour | "
    "my partner | a teacher I once had | my grandmother | a colleague | the woman next door | "
    "a boy in my daughter's class | a man I worked with"
)
PLACES = phrases(
    "Harwich | the Norfolk coast | Ipswich | a flat in Leeds | the children's centre | the "
    "waiting room | the car park | the allotment | a café near the station | the ferry to "
    "Hook | Cromer pier | the hospital corridor | Zürich | São Paulo"
)
TIMES = phrases(
    "One evening | Years later | That winter | On the drive home | Most mornings | Later that "
    "week | For a long time | At first | By the spring | Afterwards | Once | Every Sunday | "
    "In the end | The next day"
)
TEMPLATES = (
    "The {a} {n} {vd} {d} {n} {p} {d} {a} {n}.",
    "It took me a long time to learn that {ns} {v} {adv} when nobody is {vg} them.",
    "What I remember is not the {n} but the {a} {n} that came after it.",
    "Most {ns} {v} {d} {n} long before they can {v} it.",
    "{T}, {who} {vd} {d} {n} {p} {place}, and nothing was quite the same.",
    "I {vd} the {n} again, more {adv2} this time, and {vd} {d} {a} {n}.",
    "Was it the {n}, or the {a} {n} behind it?",
    "There is a {a} kind of {n} that only {v3} when {d} {n} {v3} {adv}.",
    "{who!} used to say that a {n} is never {a}, only {a}.",
    "We {vd} {adv}, the way people do when the {n} is {a} and the {n} is {a}.",
    "Nobody {vd} the {n}; everybody {vd} the {n}.",
    "I did not know, then, that {vg} {d} {n} could be a form of {n}.",
    "{T}, I sat {p} the {n} and {vd} {who}, and I said nothing at all.",
    "Perhaps that is what a {n} is for: {vg} the {a} {n} until it can be {vd}.",
    "The research is {a} on this point, and so, to my surprise, am I.",
    "A {a} {n} {v3} more than a {a} one, and it {v3} for longer.",
    "Children {v} what we do far more {adv2} than what we say.",
    "When {d} {n} {v3} {d} {n}, the {n} {v3} too, {adv}.",
    "\u201cYou {vd} the {n},\u201d {who} said, not altogether kindly.",
    "If you grew up with a {a} {n}, you may {v} every {n} as a {n}.",
    "{T}, the {n} was {a}; by the evening it was merely {a}.",
    "It is not the {a} {ns} that {v} us, but the {a} ones we keep {vg}.",
    "I have come to think that {vg} is mostly a practice, and a {a} one.",
    "The {n} {p} {place} is {a} now, but I still {v} it {adv}.",
    "Some {ns} are {a}; others are simply {a}, and that is not the same thing.",
    "There was a {n} in our house that nobody {vd}, and a {n} that nobody {vd}.",
    "I wanted to {v} the {n}, and instead I {vd} the {n}.",
    "None of this is {a}, and all of it is {a}.",
    "She {vd} {d} {n} {adv}, as if the {n} might {v} her.",
    "He {vd} the {a} {n} and then, {adv}, {vd} {d} {n}.",
)
TITLE_TEMPLATES = phrases(
    "The {A} {N} | On {G} | A {A} {N} | {G} the {N} | The {N} and the {N} | What the {N} Knew "
    "| After the {N} | {A} {Ns} | The {N} {P} the {N} | Learning to {V}"
)
NAME_GIVEN = words(
    "Anna Ben Clara Daniel Edith Felix Grace Hugo Ines Jonah Katrin Leo Maren Nadia Oskar "
    "Priya Quentin Rosa Samuel Tove Ulla Viktor Wen Yusuf Zoë Agnès Bjørn Chiara Dafydd Eamon "
    "Farah Gustav Hannah Imogen José Kwame Lena Mateo Niamh Olu Paula Rahel Sinéad Tomasz "
    "Valeria William Ximena Yara Zofia Mary Edward Lindsay Gabor Tina Jonathan Ruth Alice "
    "Peter"
)
NAME_FAMILY = words(
    "Abbott Achterberg Adeyemi Albrecht Alvarez Andersson Arden Ashby Baines Barros Beaumont "
    "Bell Bergström Blake Bowen Brennan Brook Carver Castellano Chen Clarke Collins Costa "
    "Dalton Darcy Dekker Doyle Dubois Duarte Ellery Engel Evans Falk Farrell Fischer Fontaine "
    "Foster Galloway Garnier Gibson Gill Graham Gutiérrez Hale Hartzell Hayes Hernández Holm "
    "Hughes Ibsen Ishikawa Jansen Jones Kaur Keller Kowalski Lambert Larsen Laurent Lindqvist "
    "Lowe Mackay Maddox Marsh Martins Meyer Moreau Morgan Müller Nakamura Nash Nilsen Novak "
    "Nwosu O'Brien Okafor Olsen Ortega Park Pereira Petrov Quinn Reyes Richter Rossi Ruiz "
    "Sato Schmidt Shaw Silva Sinclair Sokolov Stern Strand Tanaka Thorne Torres Tronick "
    "Turner Varga Vidal Wagner Walsh Webb Weiss Whitfield Winter Wolff Yamada Young Zhang "
    "Zimmermann Šimić"
)


def plural(noun: str) -> str:
    """English plurals for the word list; irregular ones are listed."""
    if noun in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[noun]
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def fix_articles(text: str) -> str:
    """`a attentive` becomes `an attentive`: templates cannot know the next word."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", text)


class Prose:
    """Sentences, paragraphs, titles and names drawn from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def _slot(self, match: re.Match[str]) -> str:
        slot = match.group(1)
        verb = self.rng.choice(VERBS)
        fillers = {
            "n": lambda: self.pick(NOUNS),
            "ns": lambda: plural(self.pick(NOUNS)),
            "a": lambda: self.pick(ADJECTIVES),
            "v": lambda: verb[0],
            "v3": lambda: verb[1],
            "vd": lambda: verb[2],
            "vg": lambda: verb[3],
            "adv": lambda: self.pick(ADVERBS),
            "adv2": lambda: self.pick(ADVERBS[:15]),
            "p": lambda: self.pick(PREPOSITIONS),
            "d": lambda: self.pick(DETERMINERS),
            "who": lambda: self.pick(PEOPLE),
            "who!": lambda: self.pick(PEOPLE).capitalize(),
            "place": lambda: self.pick(PLACES),
            "T": lambda: self.pick(TIMES),
        }
        return fillers[slot]()

    def fill(self, template: str) -> str:
        text = re.sub(r"\{(\w+!?)\}", self._slot, template)
        text = fix_articles(text)
        return text[0].upper() + text[1:]

    def sentence(self) -> str:
        """One sentence; now and then a phrase in italics, as authors do for stress."""
        text = self.fill(self.pick(TEMPLATES))
        if self.rng.random() < 0.08:
            words = text.split(" ")
            if len(words) > 6:
                start = self.rng.randrange(1, len(words) - 3)
                words[start] = "*" + words[start]
                words[start + 1] = words[start + 1] + "*"
                text = " ".join(words)
                text = re.sub(r"([,.;:?!\u201d])\*", r"*\1", text)
        return text

    def sentences(self, count: int) -> list[str]:
        return [self.sentence() for _ in range(count)]

    def paragraph(self, low: int = 4, high: int = 8) -> str:
        return " ".join(self.sentences(self.rng.randint(low, high)))

    def title(self) -> str:
        """A chapter or book title in title case."""
        verb = self.rng.choice(VERBS)
        fillers = {
            "A": self.pick(ADJECTIVES).title(),
            "N": self.pick(NOUNS).title(),
            "Ns": plural(self.pick(NOUNS)).title(),
            "G": verb[3].title(),
            "V": verb[0].title(),
            "P": self.pick(PREPOSITIONS).title(),
        }
        title = re.sub(r"\{(\w+)\}", lambda m: fillers[m.group(1)], self.pick(TITLE_TEMPLATES))
        title = re.sub(r"\b(The|A) \1\b", r"\1", title)
        return fix_articles(title)

    def person(self) -> tuple[str, str]:
        """(given, family) for authors, directors and actors."""
        return self.pick(NAME_GIVEN), self.pick(NAME_FAMILY)
