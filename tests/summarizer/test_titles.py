from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest
from wordfreq import zipf_frequency

from summarizer import summarize, titles
from summarizer.models import SummaryOptions
from summarizer.salience import (
    is_filler,
    is_greek_filler,
    is_native_subject,
    native_zipf,
    rarity,
)
from summarizer.sources import ExportSource
from summarizer.titles import MAX_TITLE, topic_title
from tests.summarizer.helpers import SAMPLE, message

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _title(texts, authors=(1, 2, 3), **options):
    messages = [message(i, text, authors[i % len(authors)]) for i, text in enumerate(texts)]
    return topic_title(messages, list(range(len(messages))), **options)


PREZI = [
    "does anyone know if the Prezi subscription is still paid for by the club?",
    "I think the Prezi subscription ran out in March",
    "we used Prezi for the last two talks, it was handy",
    "can we renew the Prezi subscription before the meetup?",
    "I'll ask the treasurer about the subscription tomorrow",
    "ok, let me know what the Prezi subscription costs now",
]


def test_title_is_a_phrase_people_repeated():
    assert _title(PREZI) == "Prezi subscription"


def test_a_longer_phrase_replaces_the_word_it_contains():
    title = _title(
        [
            "the murex purple dye came from sea snails",
            "murex purple dye was worth more than gold",
            "how many murex snails for one gram of purple dye?",
            "thousands of murex shells were found near the dye works",
        ]
    )
    assert title.lower() in {"murex purple dye", "murex purple", "purple dye"}


def test_common_words_never_make_a_title():
    # Every content word here is everyday English: the title says who talked instead.
    title = _title(
        [
            "what do you think about the new plan for next week?",
            "I think the plan is good but we need more time",
            "more time would be good, next week is busy",
            "ok let us talk about the plan again next week",
        ],
        authors=(1, 2),
    )
    assert title == "Chat between user1 and user2"


def test_participant_names_are_not_subjects():
    messages = [
        message(0, "hey Gandalfo are you around?", 1),
        message(1, "yes, what about the lighthouse restoration?", 7),
        message(2, "Gandalfo, the lighthouse restoration needs volunteers", 1),
        message(3, "I can help with the lighthouse restoration on Sunday", 7),
    ]
    messages[1] = messages[1].model_copy(
        update={"author": messages[1].author.model_copy(update={"name": "Gandalfo"})}
    )
    messages[3] = messages[3].model_copy(update={"author": messages[1].author})
    assert topic_title(messages, [0, 1, 2, 3]) == "Lighthouse restoration"


def test_greek_function_words_and_transliterated_greek_filler_are_not_titles():
    title = _title(
        [
            "I read και των here, then touto",
            "yes και των and touto again, then the column ends",
            "touto touto, the papyrus has και again",
            "and the papyrus column is hard to read",
        ]
    )
    assert title in {"Papyrus", "Papyrus column"}


READING = [
    "so the second line could be μουσικην after all",
    "yes μουσικην fits the traces, then a gap",
    "the papyrus is dark there but μουσικην is clear",
    "agreed on μουσικην, the next word is harder",
]


def test_a_word_of_another_script_that_several_people_read_is_a_title():
    # A channel reading Greek names its subjects in Greek: the word is the reading.
    assert _title(READING) == "Μουσικην"


def test_a_word_of_another_script_only_one_person_writes_is_no_title():
    # One person's notes are not a subject several people talked about.
    assert _title(READING, authors=(1,)) != "Μουσικην"


def test_another_scripts_everyday_and_short_words_are_not_subjects():
    # wordfreq lists modern Greek with its accents; chat drops them, so both are compared bare.
    assert native_zipf("ομοιως") == native_zipf("ομοίως") >= 3.0
    assert not is_native_subject("ομοιως")  # "likewise"
    assert not is_native_subject("τουτο")  # "this"
    assert not is_native_subject("απερ")  # short: an ancient function word wordfreq lacks
    assert is_native_subject("μουσικην")
    assert is_native_subject("πορφύρας")
    assert native_zipf("music") is None  # Latin script: judged as English


def test_a_word_its_language_never_uses_is_as_rare_as_words_get():
    assert rarity("προχειρως") > rarity("papyri") > rarity("subscription")
    assert rarity("μουσική") < rarity("μουσικην")  # modern "music" vs an ancient form


def test_titles_already_taken_are_avoided():
    assert _title(PREZI, taken={"prezi subscription"}) != "Prezi subscription"


def test_a_word_the_whole_window_uses_names_no_topic():
    # "kubernetes" is said in more of these messages than "helm chart", but the window says it
    # everywhere (the channel's jargon): the conversation's own subject is the chart.
    texts = [
        "the kubernetes helm chart fails to render",
        "kubernetes logs show the helm chart values are wrong",
        "kubernetes again: the helm chart pins an old image",
        "kubernetes restarts the pod every minute",
        "kubernetes nodes look fine otherwise",
    ]
    asked: list[tuple[str, int]] = []

    def share(stem: str, uses: int) -> float:
        asked.append((stem, uses))
        return 0.05 if stem.startswith("kubernet") else 1.0

    assert _title(texts) == "Kubernetes"
    assert _title(texts, share=share) == "Helm chart"
    # Each word's share is asked once per title, with its uses in the conversation.
    stems = [stem for stem, _ in asked]
    assert len(stems) == len(set(stems))
    assert ("helm", 3) in asked


def test_titles_are_short():
    long_words = ["Supercalifragilistic" * 3 + f" thing{i}" for i in range(4)]
    assert len(_title(long_words)) <= MAX_TITLE


@pytest.mark.parametrize(
    "text",
    [
        "lol",
        "LMAOOO",
        "",
        "👍",
        "not all of it makes sense",
        "I don't know what it is",
        "OMG! This looks really good!",
        "yes, that's exactly the place for that 🙂",
        "context",
        "https://tenor.com/view/some-gif-25156054",
    ],
)
def test_filler_says_nothing(text):
    assert is_filler(text)


@pytest.mark.parametrize(
    "text",
    [
        "The murex purple dye came from sea snails",
        "Herculaneum?",
        "`cache_dir = '.quill-cache'`",
        "άλλο τι των κατά μουσικήν",
        "I think we should rewrite the whole thing before we ship it to everyone else",
        "it took 14 minutes",
    ],
)
def test_substance_is_not_filler(text):
    assert not is_filler(text)


@pytest.mark.parametrize(("word", "greek"), [("touto", True), ("kai", True), ("kata", True)])
def test_everyday_greek_in_latin_letters_is_filler(word, greek):
    assert is_greek_filler(word) is greek


@pytest.mark.parametrize("word", ["subscript", "men", "porphyras", "encoding", "Philodemus"])
def test_english_and_rare_words_are_not_greek_filler(word):
    assert not is_greek_filler(word)


async def test_sample_digest_titles_are_not_lists_of_common_words():
    messages = ExportSource(SAMPLE).load().messages
    summary = await summarize(messages, SummaryOptions(generated_at=NOW))
    assert summary.topics
    for topic in summary.topics:
        words = topic.title.replace(",", " ").split()
        assert "," not in topic.title
        assert " and " not in topic.title
        assert any(zipf_frequency(w, "en") < 4.5 for w in words), topic.title


def test_a_title_names_a_thing_before_describing_one():
    # One stem, two forms: "photographed" is written more often, "photographs" names the thing.
    texts = [
        "the fragments were photographed under infrared last spring",
        "they photographed every fragment twice, front and back",
        "most of it was photographed by the museum team",
        "the photographs are on the shared drive now",
    ]
    assert _title(texts) == "Photographs"


def test_clauses_end_where_the_plain_definition_says():
    # The clause pattern is written for speed; it must split exactly as the plain one does:
    # punctuation runs, whitespace then quotes or dashes, quotes or dashes then whitespace,
    # and line breaks, in that order of preference.
    punctuation = titles._PUNCTUATION
    plain = re.compile(rf"([{punctuation}]+|\s['-]+|['-]+\s|\n)")
    alphabet = "ab c\n\t'-.,;:!?()[]{}\"“”‘’«»…/|*_~>=+&é\u00a0\u2028"
    rng = random.Random(25)
    for _ in range(20_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert titles._CLAUSE.split(sample) == plain.split(sample), repr(sample)
