"""Is this English? Function words decide, so that English rules never rewrite other languages.

Rules that turn "I'll bring it" into "Maria will bring it" would mangle "Ich bringe es mit", so
a message is rewritten only when it looks English: mostly Latin script, and at least as many
common English function words as those of any of six other languages that share the script.
Text with no function word of any language (a short "Deploy failed") counts as English when it
is plain ASCII. Crude on purpose: cheap, offline, deterministic, and wrong only towards quoting.
"""

from __future__ import annotations

import re
import unicodedata

from summarizer import text
from summarizer.grammar import wordset

# Frequent function words; words shared between languages count for each of them.
_LANGUAGES = {
    "en": wordset(
        "the a an and or but to of in on for with at by from about as it it's this that these "
        "i i'm i've i'll i'd you you're we they he she my your our their his her me us them is "
        "are was were be been am not no do does did don't didn't doesn't have has had can can't "
        "will would could should what when where why how who which there here just so if then "
        "than too very really also yes yeah ok okay please thanks thank that's let's go come get "
        "know think want like good sure all one some any more"
    ),
    "es": wordset(
        "el la los las un una y o pero de del en con por para que es son está estoy no sí se lo "
        "le mi tu su yo nosotros muy qué cómo dónde cuando porque también pues hola gracias"
    ),
    "fr": wordset(
        "le la les un une et ou mais de des du en dans avec pour par que qui est sont suis pas "
        "ne je tu il elle nous vous ils mon ton son ce cette très oui non bonjour merci aussi "
        "où comment pourquoi c'est"
    ),
    "de": wordset(
        "der die das ein eine und oder aber zu von in mit für auf ist sind bin nicht kein ich du "
        "er sie wir ihr mein dein sein sehr ja nein auch wie wo warum wann danke hallo doch noch "
        "schon mal es"
    ),
    "it": wordset(
        "il lo la gli le un una e o ma di da in con per che è sono non io tu lui lei noi voi mio "
        "tuo suo molto sì no anche come dove perché quando grazie ciao questo"
    ),
    "pt": wordset(
        "o a os as um uma e ou mas de do da em com por para que é são estou não sim eu tu ele "
        "ela nós meu teu seu muito também como onde porque quando obrigado olá isso"
    ),
    "nl": wordset(
        "de het een en of maar van in met voor op is zijn ben niet geen ik jij je hij zij wij "
        "mijn jouw zeer ja nee ook hoe waar waarom wanneer dank hallo dat"
    ),
}
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ASCII_LETTER = re.compile("[A-Za-z]")
# Below this share of Latin letters a text is another script (Cyrillic, Greek, CJK, …).
LATIN_SHARE = 0.6


def is_english(content: str) -> bool:
    """Whether English rules may rewrite this text; otherwise it is quoted as it was written."""
    if content.isascii():
        # Every letter is a Latin one: only whether there is any needs looking at.
        if _ASCII_LETTER.search(content) is None:
            return True
        plain = True
    else:
        letters = [ch for ch in content if ch.isalpha()]
        if not letters:
            return True
        latin = sum(
            1 for ch in letters if ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")
        )
        if latin < LATIN_SHARE * len(letters):
            return False
        plain = latin == len(letters) and all(ch.isascii() for ch in letters)
    words = _WORDS.findall(text.URL.sub(" ", content.lower().replace("’", "'")))
    hits = {lang: sum(1 for w in words if w in known) for lang, known in _LANGUAGES.items()}
    english = hits.pop("en")
    if english == 0 and not any(hits.values()):
        return plain
    return english > 0 and english >= max(hits.values())
