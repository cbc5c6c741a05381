"""Open questions: what was asked and is still open, shown as the question itself.

A `?` the writer did not ask (quoted, bracketed, code, a link) is no question; nor is a
greeting, a tag, a set phrase, a ping or a question argued past. A question taken up without
Discord's reply (an answer's shape, a shared word, the asker addressed, a link, agreement with
a suggestion) is no longer open. Conversations here are made up; the last test checks the rules
against the real windows a person read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.reader_facts import load_window, reads_as_question
from summarizer import answers, asking, facts, summarize, text
from summarizer.analysis import analyse
from summarizer.models import ChannelRef, SummaryOptions
from summarizer.sources import ExportSource
from tests.summarizer.helpers import message

NOT_ASKED = [
    'He literally said "why is the build red?" and walked off',
    "Somebody wrote “is this thing on?” in the topic",
    "The sign said ‘what’s next?’ in big letters",
    "The song title was 'Where did you go?' for the record",
    "I renamed it (was it the wrong name?) to main yesterday",
    "The option is [--verbose?] in the old docs I think",
    "Our template has {maybe?} placeholders all over it",
    "Run `git log --oneline --since=yesterday?` in the repo",
    "Full output below\n```\nerror: continue? [y/N]\n```\nthat is all I have",
    "The page https://example.com/search?q=release+notes lists everything",
    "Docs live at [the wiki](https://example.com/wiki?page=Start) for everybody",
]
ASKED = [
    "How do I get started with the exporter?",
    'Did anybody read the "release notes" yet?',
    "Does `quill build --watch` work on Windows for you?",
    "Which of https://example.com/a or https://example.com/b is current?",
    "don't you think the old theme looked better?",
    "Is 'main' the default branch now?",
]


@pytest.mark.parametrize("said", NOT_ASKED)
def test_a_question_mark_inside_quotes_brackets_code_or_links_asks_nothing(said):
    assert not text.is_question(said)


@pytest.mark.parametrize("said", ASKED)
def test_a_question_mark_in_the_writers_own_words_still_asks(said):
    assert text.is_question(said)


async def test_open_questions_list_only_what_was_asked():
    messages = [message(i, said, author=i + 1, minutes=i * 300) for i, said in enumerate(NOT_ASKED)]
    asked = message(50, ASKED[0], author=99, minutes=50 * 300)
    summary = await summarize(
        [*messages, asked], SummaryOptions(generated_at=datetime(2024, 6, 1, tzinfo=UTC))
    )
    assert [q.message_id for q in summary.open_questions] == [asked.id]


# -- what a message asks, and how the digest shows it ---------------------------------------


def _ask(content: str) -> asking.Asked:
    return asking.read(content)


def test_own_words_keeps_every_offset_and_blanks_what_is_quoted():
    said = 'He said "why?" (really?) see https://x.org/a?b and `c?` so psallein o?ti. Why?'
    own = text.own_words(said)
    assert len(own) == len(said)
    assert own.count("?") == 1
    assert own.endswith("Why?")


def test_a_question_mark_between_letters_is_an_unsure_letter():
    assert not text.is_question("so the word could be psallein o?ti then")
    assert text.is_question("so the word could be psallein oti then?")


def test_a_long_message_shows_its_question_not_its_opening():
    said = (
        "Thanks to everyone who helped with the migration last week, it went far better than "
        "I feared and the new cluster has been quiet ever since. We still see the nightly "
        "backup job running twice on Sundays though, which doubles the storage bill.\n"
        "Is there a setting that keeps the scheduler from starting a second run while the "
        "first is still going?\nAny pointers welcome."
    )
    shown = _ask(said).excerpt(200)
    assert shown.startswith("Is there a setting")
    assert shown.endswith("still going?")


def test_a_question_that_leans_on_the_sentence_before_shows_it_too():
    said = (
        "The staging deploy has been failing since Tuesday with a timeout in the asset step, "
        "and only on the largest site. Is it the cache again? Everything else looks normal "
        "to me, the logs are clean and the other sites build fine."
    )
    shown = _ask(said).excerpt(200)
    assert shown.endswith("Is it the cache again?")
    assert shown.startswith("The staging deploy")


def test_a_short_message_is_shown_whole():
    said = "Sorry, quick one. Does the exporter keep thread names?"
    assert _ask(said).excerpt(200) == said


def test_an_overlong_question_keeps_its_opening_and_its_question_mark():
    said = "Does anyone know " + "whether the very long option list " * 12 + "works on Windows?"
    shown = _ask(said).excerpt(200)
    assert len(shown) <= 200
    assert shown.startswith("Does anyone know")
    assert shown.endswith("works on Windows?")
    assert "…" in shown


def test_a_quoted_question_in_a_long_message_is_not_the_one_shown():
    said = (
        'The old error said "did you mean --force?" every time, and I never understood it '
        "because nothing in the docs mentions that flag for the build step at all, anywhere. "
        "Which version removed the --force flag?"
    )
    assert _ask(said).excerpt(200).endswith("removed the --force flag?")


ASKS_NOTHING = [
    "Hi all, how are you?",
    "hey, how's it going?",
    "Morning! What's up?",
    "That release went much smoother than the last one, right?",
    "it's hard to be sure with this handwriting, y'know?",
    "We made good progress today, no?",
    "The build is finally green. Right?",
    "Who knows?",
    "yeah, why not? 🤔",
    "let's maybe move this to #offtopic please?",
    "You might want to post this in the forum instead?",
    "@Kilian ? @Michael Rees ?",
    "Any idea what this word is? Edit: nevermind, I just saw the proposal above",
    (
        "I know there are plenty of backups already. I think the issue is that when the data "
        "centre floods it could be really bad, because everything sits in one building. The "
        "plan assumes two weeks of warning but are you going to get that? If there is a flood "
        "then nobody will care about restoring old archives for months."
    ),
]
STILL_ASKS = [
    "How are you getting on with the migration to Postgres?",
    "Is that right?",
    "Did the release go out, or is it still waiting for review?",
    "Why not?",
    "Should we move the standup to ten?",
    (
        "I know there are plenty of backups already, and I think the issue is mostly cost. "
        "Is the second copy in another building? If it is, a flood would not take both and "
        "we could stop worrying about the plan for a while, which would be nice."
    ),
    (
        "I think the plan is mostly fine and the issue is only the cost of the second copy, "
        "which nobody has priced yet, and the storage team is busy until next month anyway, "
        "so who should we ask about the quote?"
    ),
]


@pytest.mark.parametrize("said", ASKS_NOTHING)
def test_greetings_tags_set_phrases_advice_pings_and_argued_past_questions_ask_nothing(said):
    assert _ask(said).asking == ()


@pytest.mark.parametrize("said", STILL_ASKS)
def test_questions_proper_still_ask(said):
    assert _ask(said).asking != ()


def test_a_suggestion_is_told_apart_from_a_question():
    assert _ask("Should we move the standup to ten?").proposes
    assert _ask("why not use the built-in cache?").proposes
    assert not _ask("Does the exporter keep thread names?").proposes


# -- questions taken up without Discord's reply ----------------------------------------------

QUESTION = "Does the exporter keep thread names when it writes the archive?"


def _taken_up(messages: list, position: int = 0) -> str | None:
    asked = asking.read(messages[position].content)
    shown = asked.excerpt(200)
    question = answers.Question(
        position, text.terms(shown), proposes=asked.proposes, where=answers.asks_where(shown)
    )
    return answers.taken_up(analyse(messages), question)


def _chatter(first: int, count: int, *, start: float) -> list:
    """Other people talking about something else, a minute apart."""
    topics = ["lunch plans", "the football", "holiday photos", "a new keyboard", "the weather"]
    return [
        message(
            first + k,
            f"talking about {topics[k % len(topics)]} again",
            author=10 + k,
            minutes=start + k,
        )
        for k in range(count)
    ]


def test_a_short_answer_right_after_answers():
    messages = [message(0, QUESTION, author=1), message(1, "nope", author=2, minutes=3)]
    assert _taken_up(messages) == "answer"


def test_an_answer_shape_late_in_a_busy_channel_answers_nothing():
    messages = [
        message(0, QUESTION, author=1),
        *_chatter(1, 5, start=2),
        message(6, "nope", author=2, minutes=20),
    ]
    assert _taken_up(messages) is None


def test_a_later_message_with_the_questions_distinctive_word_takes_it_up():
    messages = [
        message(0, "Has anyone got the Netlify adapter working with edge functions?", author=1),
        *_chatter(1, 4, start=2),
        message(5, "edge functions only run on the paid plan", author=2, minutes=20),
    ]
    assert _taken_up(messages) == "shared word"


def test_a_me_too_shares_words_and_answers_nothing():
    messages = [
        message(0, "Why does quill serve ignore changes in the data folder?", author=1),
        message(1, "Same here, the data folder never reloads for me either", author=2, minutes=2),
    ]
    assert _taken_up(messages) is None


@pytest.mark.parametrize(
    "said", ["@user1 have a look at the wiki page", "Hey user1, have a look at the wiki page"]
)
def test_speaking_to_the_asker_takes_the_question_up(said):
    messages = [message(0, QUESTION, author=1), message(1, said, author=2, minutes=10)]
    assert _taken_up(messages) == "addressed"


def test_a_reply_to_the_askers_message_just_before_the_question_answers_it():
    messages = [
        message(0, "here is the screenshot of the export settings", author=1),
        message(1, QUESTION, author=1, minutes=1),
        message(2, "that checkbox at the bottom does it", author=2, minutes=6, reply_to=0),
    ]
    assert _taken_up(messages, position=1) == "reply"


def test_a_reply_to_someone_else_is_not_an_answer():
    messages = [
        message(0, "I pushed the new theme to the staging branch", author=3),
        message(1, QUESTION, author=1, minutes=1),
        message(2, "nope, not yet", author=2, minutes=2, reply_to=0),
    ]
    assert _taken_up(messages, position=1) is None


def test_a_suggestion_is_settled_by_agreement_and_a_question_is_not():
    proposal = [
        message(0, "should we move the standup to ten on Mondays?", author=1),
        message(1, "sounds good", author=2, minutes=1),
    ]
    question = [message(0, QUESTION, author=1), message(1, "sounds good", author=2, minutes=1)]
    assert _taken_up(proposal) == "answer"
    assert _taken_up(question) is None


def test_a_link_answers_a_question_about_where_something_is():
    messages = [
        message(0, "Where can I find the slides from Tuesday's meetup?", author=1),
        message(1, "https://example.com/meetup/2024-05", author=2, minutes=2),
    ]
    assert _taken_up(messages) == "link"


def test_the_first_voice_after_a_silence_answers_even_hours_later():
    messages = [message(0, QUESTION, author=1), message(1, "nope", author=2, minutes=150)]
    assert _taken_up(messages) == "answer"


def test_an_answer_in_another_channel_answers_nothing():
    elsewhere = message(1, "nope", author=2, minutes=1).model_copy(
        update={"channel": ChannelRef(id=11, name="random")}
    )
    assert _taken_up([message(0, QUESTION, author=1), elsewhere]) is None


def test_the_asker_taking_it_back_closes_the_question():
    messages = [message(0, QUESTION, author=1), message(1, "nvm, found it", author=1, minutes=4)]
    assert _taken_up(messages) == "withdrawn"


def test_nobody_answering_leaves_it_open():
    messages = [message(0, QUESTION, author=1), *_chatter(1, 6, start=40)]
    assert _taken_up(messages) is None


async def test_the_digest_lists_what_is_still_open_as_questions():
    long_question = (
        "Thanks for the help with the theme yesterday, the header finally looks right on "
        "phones and the footer no longer jumps around when the page loads on slow networks. "
        "Which plugin do people use to pull EXIF data under photos?"
    )
    messages = [
        message(0, "Hi all, how are you?", author=1),
        message(1, QUESTION, author=2, minutes=300),
        message(2, "nope", author=3, minutes=302),
        message(3, long_question, author=4, minutes=600),
        message(4, "We shipped the new docs today, right?", author=5, minutes=900),
    ]
    summary = await summarize(
        messages, SummaryOptions(generated_at=datetime(2024, 6, 1, tzinfo=UTC))
    )
    assert [(q.message_id, q.text) for q in summary.open_questions] == [
        (messages[3].id, "Which plugin do people use to pull EXIF data under photos?")
    ]


@pytest.mark.parametrize("name", ["day", "week"])
def test_hand_read_windows_keep_their_open_questions_and_drop_the_answered(name):
    """Every question-looking message of these real windows was read by a person (see
    tests/data/reader/README.md): a check of the rules above, not a source of them."""
    window = load_window(name)
    messages = ExportSource(window.export).load(None, None).messages
    found = facts.open_questions(analyse(messages), 1000)
    judged_closed = [q.text for q in found if q.message_id in window.not_open]
    assert len(judged_closed) <= 1, judged_closed
    assert len(found) - len(judged_closed) >= 4
    assert all(reads_as_question(q.text) for q in found)
