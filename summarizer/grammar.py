"""English word rules for reporting chat in the third person: verb agreement and past tense.

Rules, not a model: a small closed lexicon (auxiliaries, modals, common irregular verbs, a few
adverbs) plus spelling rules. They only need to be right in the places `statements.py` uses
them: the verb right after a subject pronoun that became a name, and the verb of a question
that is reported ("did you go" becomes "went").
"""

from __future__ import annotations

import re


def wordset(words: str) -> frozenset[str]:
    """A closed word list written as one string (the lists here are long)."""
    return frozenset(words.split())


MODALS = wordset(
    "can could will would shall should may might must ought cannot can't couldn't won't "
    "wouldn't shouldn't mustn't mightn't shan't 'd 'll"
)
# Auxiliaries that open a yes/no question ("do you…", "is it…", "can I…").
AUXILIARIES = MODALS | wordset(
    "do does did don't doesn't didn't am is are was were isn't aren't wasn't weren't have has "
    "had haven't hasn't hadn't"
)
# Base form -> past tense, for the verbs people use most; the rest take -ed.
_IRREGULAR_TEXT = """
    be:was have:had do:did go:went get:got make:made know:knew think:thought take:took
    see:saw come:came give:gave find:found tell:told say:said feel:felt leave:left
    bring:brought buy:bought keep:kept begin:began run:ran write:wrote sit:sat stand:stood
    lose:lost pay:paid meet:met hear:heard send:sent build:built spend:spent put:put set:set
    cut:cut let:let hit:hit read:read eat:ate drink:drank drive:drove speak:spoke break:broke
    choose:chose forget:forgot sleep:slept win:won sell:sold teach:taught catch:caught
    fight:fought fly:flew grow:grew draw:drew wear:wore swim:swam sing:sang ride:rode
    hold:held lead:led understand:understood fall:fell mean:meant become:became hurt:hurt
    wake:woke steal:stole throw:threw shut:shut lend:lent ring:rang hang:hung bite:bit
    hide:hid shake:shook forgive:forgave freeze:froze feed:fed cost:cost quit:quit
    show:showed light:lit seek:sought sink:sank spin:spun split:split spread:spread
    stick:stuck strike:struck swear:swore bet:bet bend:bent blow:blew burn:burnt dig:dug
    mistake:mistook overcome:overcame undo:undid upset:upset withdraw:withdrew
"""
PAST = dict(pair.split(":") for pair in _IRREGULAR_TEXT.split())
_PAST_FORMS = frozenset(PAST.values()) | wordset(
    "been gone done seen known taken given written eaten driven spoken broken chosen forgotten "
    "flown grown drawn worn swum sung ridden fallen stolen thrown woken hidden shaken forgiven "
    "frozen begun drunk rung sunk bitten mistaken"
)
# Prefixes that make a verb of a verb and keep its irregular past ("rewrote", "overtook").
_PAST_PREFIXES = ("re", "over", "under", "mis", "out", "un", "with", "fore", "be")
# Words ending in -ed that are present-tense verbs ("I need"), not past ones.
_ED_BASE = wordset("need feed bleed breed exceed proceed succeed speed seed shed embed")
# Between a subject and its verb ("I really want"): the verb after them agrees.
ADVERBS = wordset(
    "just really also always never still actually already probably usually often only even "
    "sometimes definitely totally basically generally mostly rarely seldom hardly barely "
    "honestly seriously simply certainly kinda sorta literally obviously personally truly "
    "normally mainly almost nearly soon then now too all both"
)
# Words after which "you" starts a clause ("I think you need…"), so its verb agrees.
CLAUSE_OPENERS = wordset(
    "and but or so if because when that what where why how who which whether since unless "
    "until while before after though although as than then maybe now well yes no ok think "
    "thought guess hope know knew believe bet suppose mean said say feel felt sure heard hear "
    "wish glad afraid realize realized figured assume expect understand"
)

# Verbs whose next word is their object: "see you tomorrow", not "you tomorrow" as a clause.
TAKES_OBJECT = wordset(
    "see tell thank help meet love call give send ask let miss want need get got show bring pay "
    "make take invite remind join hear text email ping pick drive like hate trust owe teach "
    "follow wake buy keep leave find catch visit warn beat hold promise offer wish guide "
    "support hug kiss bother disturb"
)

# Verbs that open an instruction ("Check the logs", "Don't restart it").
IMPERATIVES = wordset(
    "check try use turn add set run install remove delete update upgrade restart reboot enable "
    "disable open close click type read look go take put move keep stop start make give tell "
    "call ask send bring come wait pick push pull join sign follow remember note consider avoid "
    "ping switch change clear copy paste download upload grab drop email text meet book buy "
    "order be get find fix don't help show post share submit vote fill review test"
)
_NOT_ADVERB_LY = wordset("reply apply supply rely fly ally bully rally tally belly")
# Function words that may follow a subject without being its verb ("I and Tom", "you too").
_NOT_VERBS = wordset(
    "a an the and or but nor so to of in on at by for with from as if than that this these "
    "those it its he she they them his her their my your our me you we us i too not no yes "
    "here there when where why how what who which whose whom while because into onto about "
    "over under up down off out again very much many more most some any each every other same "
    "such own one two three guys folks people lot myself yourself ourselves yeah ok okay"
)
_THIRD = {
    "am": "is",
    "are": "is",
    "were": "was",
    "have": "has",
    "do": "does",
    "go": "goes",
    "don't": "doesn't",
    "haven't": "hasn't",
    "aren't": "isn't",
    "weren't": "wasn't",
    "'m": "is",
    "wanna": "wants to",
    "gotta": "has to",
}
_PLURAL = {"am": "are", "was": "were", "wasn't": "weren't", "'m": "'re", "is": "are"}
_THIRD_DONE = wordset("is was has does doesn't isn't wasn't hasn't")
_VOWELS = "aeiou"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def is_adverb(word: str) -> bool:
    """Whether a word may sit between a subject and its verb without being the verb."""
    low = word.lower()
    if low in ADVERBS:
        return True
    return len(low) > 4 and low.endswith("ly") and low not in _NOT_ADVERB_LY


def is_past(word: str) -> bool:
    """A past tense or participle the subject does not change ("I went", "I've been")."""
    low = word.lower()
    if low in _PAST_FORMS:
        return True
    if low.startswith(_PAST_PREFIXES) and any(
        low.startswith(prefix) and low[len(prefix) :] in _PAST_FORMS for prefix in _PAST_PREFIXES
    ):
        return True  # "rewrote", "rebuilt", "overdid": a prefix on an irregular past
    return len(low) > 3 and low.endswith("ed") and low not in _ED_BASE


def may_be_verb(word: str) -> bool:
    """Whether the word after a subject could be its finite verb (no lexicon says for sure)."""
    low = word.lower()
    if not _WORD.fullmatch(low):
        return False
    return low in _THIRD or low in MODALS or low in AUXILIARIES or low not in _NOT_VERBS


def third_person(verb: str) -> str:
    """The verb as it agrees with one named person ("I want" -> "Maria wants")."""
    low = verb.lower()
    if low in _THIRD:
        return _keep_case(verb, _THIRD[low])
    if (
        low in MODALS
        or low in _THIRD_DONE
        or low in AUXILIARIES
        or is_past(low)
        or low.endswith("ing")
        or not may_be_verb(low)
    ):
        return verb
    return _keep_case(verb, _add_s(low))


def plural(verb: str) -> str:
    """The verb as it agrees with "they" (only "am" and "was" change from the first person)."""
    low = verb.lower()
    return _keep_case(verb, _PLURAL[low]) if low in _PLURAL else verb


def base_to_past(verb: str) -> str:
    """Past tense of a base-form verb, for a reported "did you …?" question."""
    low = verb.lower()
    if low in PAST:
        return _keep_case(verb, PAST[low])
    if not low.isalpha():
        return verb
    if low.endswith("e"):
        past = low + "d"
    elif low.endswith("y") and len(low) > 1 and low[-2] not in _VOWELS:
        past = low[:-1] + "ied"
    elif _doubles(low):
        past = low + low[-1] + "ed"
    else:
        past = low + "ed"
    return _keep_case(verb, past)


def _add_s(low: str) -> str:
    if low.endswith("y") and len(low) > 1 and low[-2] not in _VOWELS:
        return low[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh", "o")):
        return low + "es"
    return low + "s"


def _doubles(low: str) -> bool:
    """One-syllable verbs ending consonant-vowel-consonant double it: stop -> stopped."""
    groups = len(re.findall(r"[aeiou]+", low))
    return (
        groups == 1
        and len(low) >= 3
        and low[-1] in "bdgklmnprt"
        and low[-2] in _VOWELS
        and low[-3] not in _VOWELS
    )


def _keep_case(original: str, new: str) -> str:
    return new[0].upper() + new[1:] if original[:1].isupper() else new
