"""Key points as third-person statements: who said what, to whom, with the answers it got."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from delivery.render import render
from summarizer import keypoints, summarize
from summarizer.analysis import analyse
from summarizer.chatter import Kind
from summarizer.language import is_english
from summarizer.models import Attachment, SummaryLength, SummaryOptions
from summarizer.statements import Statement, Voice, folded, kind, statement
from tests.summarizer.helpers import message

MARIA_TO_TOM = Voice("Maria", "Tom", frozenset({"Maria", "Tom"}))
PRIYA = Voice("Priya", None, frozenset({"Priya"}))
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def said(content: str, voice: Voice = MARIA_TO_TOM) -> str:
    return statement(content, voice).text


# -- pronouns and agreement -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("I don't know what it is", "Maria doesn't know what it is."),
        ("I am going to the conference", "Maria is going to the conference."),
        ("I'm going to the conference", "Maria is going to the conference."),
        ("I've finished the slides", "Maria has finished the slides."),
        ("I ' ve finished the slides", "Maria has finished the slides."),
        ("I have two tickets for Friday", "Maria has two tickets for Friday."),
        ("I need a bigger room", "Maria needs a bigger room."),
        ("I really want the window seat", "Maria really wants the window seat."),
        ("I'll try the new build", "Maria will try the new build."),
        ("My laptop broke again", "Maria's laptop broke again."),
        ("I went to the store yesterday", "Maria went to the store yesterday."),
    ],
)
def test_first_person_becomes_the_speaker_and_the_verb_agrees(content, expected):
    assert said(content) == expected


def test_a_repeat_in_the_same_sentence_is_they_when_nobody_else_is_named():
    assert said("I can take the tutorial, I rewrote my theme", PRIYA) == (
        "Priya can take the tutorial, they rewrote their theme."
    )


def test_you_is_the_addressee_with_agreement_as_subject_not_as_object():
    assert said("I think you need a new laptop") == "Maria thinks Tom needs a new laptop."
    assert said("I'll see you tomorrow at 3:30") == "Maria will see Tom tomorrow at 3:30."
    assert said("You're messing everything up") == "Maria said Tom is messing everything up."


def test_you_stays_when_nobody_knows_who_is_addressed():
    assert said("Did you test it on staging?", PRIYA) == (
        "Priya asked whether you tested it on staging."
    )


def test_we_is_speaker_and_addressee_or_the_speakers_team():
    assert said("We're only switching two days") == "Maria and Tom are only switching two days."
    assert said("We want to rewrite the guide", PRIYA) == "Priya's team wants to rewrite the guide."
    # Beside a "you", "we" is the speaker's side.
    assert said("We can offer you a discount") == "Maria can offer Tom a discount."


def test_a_sentence_about_something_else_says_who_said_it():
    assert said("The build is green again") == "Maria said the build is green again."
    assert said("Turn on the cache") == "Maria told Tom to turn on the cache."
    assert said("Let's meet at noon") == "Maria suggested to Tom that they meet at noon."


# -- questions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "Is everything ready for the conference?",
            "Maria asked Tom whether everything is ready for the conference.",
        ),
        ("What time do you want to go?", "Maria asked Tom what time they want to go."),
        ("Did you go to school today?", "Maria asked Tom whether they went to school today."),
        ("Do you have any allergies?", "Maria asked Tom whether they have any allergies."),
        ("Where is the station?", "Maria asked Tom where the station is."),
        ("Can you send me the slides?", "Maria asked Tom to send Maria the slides."),
        ("How about 3:30?", "Maria suggested 3:30."),
        # No rule finds the subject: the question is quoted, which is never wrong.
        ("Can the new guide use the wizard?", "Maria asked Tom: Can the new guide use the wizard?"),
        # The verb goes after a short subject only where what follows cannot belong to it.
        ("Is the build failing again?", "Maria asked Tom whether the build is failing again."),
        (
            "Is the release still on track for friday?",
            "Maria asked Tom whether the release is still on track for friday.",
        ),
        ("Is the door open?", "Maria asked Tom: Is the door open?"),
        # A negative question argues; turned round it would end on "wasn't".
        (
            "Wasn't the color purple back then extremely expensive? The dye I mean.",
            "Maria asked Tom: Wasn't the color purple back then extremely expensive? "
            "The dye Maria means.",
        ),
        (
            "Can someone pin the full picture pretty please?",
            "Maria asked Tom whether someone can pin the full picture.",
        ),
    ],
)
def test_questions_are_reported(content, expected):
    assert said(content) == expected


def test_a_closing_hedge_is_set_off_from_the_sentence():
    assert said("We have full photogrammetry of the papyri I believe.", PRIYA) == (
        "Priya's team has full photogrammetry of the papyri, Priya believes."
    )


def test_a_question_without_an_addressee_asks_nobody_in_particular():
    assert said("Is everything ready for the conference?", PRIYA) == (
        "Priya asked whether everything is ready for the conference."
    )


def test_a_statement_then_a_question_is_one_sentence():
    assert said("I baked cookies. Do you want some?") == (
        "Maria baked cookies, and asked Tom whether they want some."
    )


# -- greetings, filler and short answers ----------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["hi", "lol", "thanks!", "not all of it makes sense", "Hello, how are you doing today?"],
)
def test_greetings_and_filler_are_not_content(content):
    assert kind(content) is Kind.FILLER


@pytest.mark.parametrize("content", ["yes", "sure", "ok, sounds good", "I agree", "Of course."])
def test_short_agreements_are_answers(content):
    assert kind(content) in (Kind.YES, Kind.AGREE)


def test_a_short_no_is_an_answer():
    assert kind("No, I haven't.") is Kind.NO


def test_greetings_inside_a_message_are_left_out():
    assert said("Hey Tom. I just need you to sign these") == "Maria just needs Tom to sign these."


def test_answers_fold_into_the_point_they_answer():
    plan = Statement("Tommy will use Prezi.")
    assert folded(plan, [("Maria", Kind.AGREE)]) == "Tommy will use Prezi, and Maria agreed."
    asked = Statement("Maria asked Tom whether they had a cold.", ends="yes_no")
    assert folded(asked, [("Tom", Kind.NO)]) == (
        "Maria asked Tom whether they had a cold, and Tom said no."
    )
    # "ok" does not answer "who can help?".
    open_question = Statement("Priya asked who can help.", ends="open")
    assert folded(open_question, [("Sam", Kind.YES)]) == "Priya asked who can help."


# -- other languages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "Ich habe das nicht verstanden, kannst du es erklären?",
        "Je ne sais pas ce que c'est",
        "¿Dónde está la estación?",
        "Привет, как дела?",
    ],
)
def test_other_languages_are_not_english(content):
    assert not is_english(content)
    assert kind(content) is Kind.CONTENT


def test_english_is_english():
    assert is_english("Come in, come in!")
    assert is_english("Deploy failed again")


# -- in a digest ----------------------------------------------------------------------------


async def _brief(messages):
    options = SummaryOptions(generated_at=NOW, length=SummaryLength.DETAILED)
    return await summarize(messages, options)


async def test_a_folded_answer_keeps_its_message_id_and_author():
    messages = [
        message(0, "I'll use Prezi instead of PowerPoint, it costs $10 a month", author=1),
        message(1, "sure", author=2),
    ]
    messages[0] = messages[0].model_copy(update={"jump_url": "https://discord.com/channels/1/2/3"})
    summary = await _brief(messages)
    (point,) = summary.topics[0].points
    assert point.text == (
        "user1 will use Prezi instead of PowerPoint, it costs $10 a month, and user2 agreed."
    )
    assert point.message_ids == [1000, 1001]
    assert [a.name for a in point.authors] == ["user1", "user2"]
    assert point.jump_url == "https://discord.com/channels/1/2/3"


async def test_filler_never_becomes_a_point():
    messages = [
        message(0, "hi everyone", author=1),
        message(1, "lol", author=2),
        message(2, "The staging database migration failed on the index step", author=1),
        message(3, "thanks!", author=2),
    ]
    summary = await _brief(messages)
    cited = {i for t in summary.topics for p in t.points for i in p.message_ids}
    assert cited == {1002}


def _point(messages, position, asked=None):
    analysis = analyse(messages)
    people = keypoints.people_of(analysis, range(len(messages)))
    question = None if asked is None else (asked, messages[asked].content)
    content = messages[position].content
    return keypoints.key_point(analysis, people, position, content, 300, asked=question)


def test_a_reply_says_whom_a_question_is_for():
    messages = [
        message(0, "The deploy to staging failed with a timeout on the migration", author=1),
        message(1, "Same timeout here on the staging migration today", author=2),
        message(2, "Can you share the migration logs from staging?", author=3, reply_to=0),
    ]
    assert _point(messages, 2).text == "user3 asked user1 to share the migration logs from staging."


def test_in_a_two_person_exchange_you_is_the_other_person():
    messages = [
        message(0, "The staging deploy is stuck on the migration again", author=1),
        message(1, "Did you restart the worker after the config change?", author=2),
        message(2, "no", author=1),
    ]
    point = _point(messages, 1)
    assert point.text == (
        "user2 asked user1 whether they restarted the worker after the config change, "
        "and user1 said no."
    )
    assert point.message_ids == [1001, 1002]


async def test_other_languages_are_quoted_as_written_with_the_name_in_text():
    messages = [
        message(0, "Das Deployment auf Staging ist wieder fehlgeschlagen, ich schaue", author=1),
        message(1, "Die Migration hängt beim Index, das ist der Fehler von gestern", author=2),
    ]
    summary = await _brief(messages)
    texts = [p.text for t in summary.topics for p in t.points]
    assert texts[0] == messages[0].content
    lines = render(summary, "text").splitlines()
    assert lines[1].startswith("user1: Das Deployment")


async def test_the_overview_and_the_text_open_with_who_talked_about_what():
    messages = [
        message(0, "I'll bring the projector for the conference panel", author=1),
        message(1, "I booked the conference room for the panel", author=2),
    ]
    summary = await _brief(messages)
    opening = render(summary, "text").splitlines()[0]
    assert opening.startswith("user1 and user2 talked about ")
    assert summary.overview.startswith(opening)


def _with(position_message, files=(), previews=()):
    return position_message.model_copy(
        update={
            "attachments": tuple(Attachment(name=f, url=f"https://cdn.example/{f}") for f in files),
            "embeds": tuple(previews),
        }
    )


def test_a_point_says_what_its_message_shared():
    # "murex purple looks like this" means nothing without the image it came with.
    messages = [
        message(0, "Was purple dye expensive back then?", author=1),
        _with(message(1, "murex purple looks like this", author=2), files=("murex.png",)),
    ]
    assert (
        _point(messages, 1).text == "user2 shared an image and said murex purple looks like this."
    )


def test_a_question_with_two_things_shared_lists_them_once():
    messages = [
        message(0, "The scans of column 3 are up on the drive now", author=1),
        _with(
            message(1, "Is this another kai? https://papyri.info/dclp/59483", author=2),
            files=("col3.png",),
        ),
    ]
    said = "Is this another kai?"  # the excerpt a point keeps: the link is not in it
    analysis = analyse(messages)
    people = keypoints.people_of(analysis, range(len(messages)))
    point = keypoints.key_point(analysis, people, 1, said, 300)
    assert point.text == (
        "user2 shared an image and a link to papyri.info, and asked user1 whether this is "
        "another kai."
    )


def test_a_link_the_point_shows_is_not_named_again():
    text = "The edition is at https://papyri.info/dclp/59483 with the new readings"
    messages = [message(0, "Where is the edition?", author=1), message(1, text, author=2)]
    assert "shared" not in _point(messages, 1).text


def test_a_message_that_is_only_an_image_is_said_to_share_it():
    messages = [
        message(0, "Here are the scans", author=1),
        _with(message(1, "", author=2), ("a.jpg",)),
    ]
    analysis = analyse(messages)
    people = keypoints.people_of(analysis, range(len(messages)))
    assert keypoints.key_point(analysis, people, 1, "", 300).text == "user2 shared an image."


# -- answers that need their question, and what a rule must not drop ------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # The "no" is the answer: dropped with the markers, the rest read as its opposite.
        ("No, only the image cache survives.", "Maria said no, only the image cache survives."),
        ("Nope. The index is split per section", "Maria said no, the index is split per section."),
        ("Nope.", "Maria said nope."),
        # "No idea" is no answer: the word is not a marker there.
        ("No idea why the build breaks", "Maria said no idea why the build breaks."),
    ],
)
def test_a_no_that_answers_is_kept(content, expected):
    assert said(content).startswith(expected)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("I rewrote it in Rust", "Priya rewrote it in Rust."),
        ("I rebuilt the image cache", "Priya rebuilt the image cache."),
        ("I overdid the caching", "Priya overdid the caching."),
        ("I rent a server", "Priya rents a server."),
    ],
)
def test_a_prefixed_irregular_past_is_not_made_to_agree(content, expected):
    assert said(content, PRIYA) == expected


def test_a_short_answer_is_told_with_the_question_it_answers():
    messages = [
        message(0, "Which Node version does the Netlify build image need?", author=1),
        message(1, "Node 20. Set NODE_VERSION=20 in netlify.toml", author=2, reply_to=0),
    ]
    messages = [
        m.model_copy(update={"jump_url": f"https://discord.com/channels/1/2/{m.id}"})
        for m in messages
    ]
    point = _point(messages, 1, asked=0)
    assert point.text.startswith("user1 asked")
    assert "Netlify build image" in point.text
    assert point.text.endswith(
        "user2 said Node 20. user2 told user1 to set NODE_VERSION=20 in netlify.toml."
    )
    assert point.message_ids == [1000, 1001]
    assert [a.name for a in point.authors] == ["user1", "user2"]
    # The point opens with the question: its link goes there.
    assert point.jump_url == "https://discord.com/channels/1/2/1000"


def test_only_a_short_reply_to_a_question_brings_the_question():
    messages = [
        message(0, "Has anyone migrated a Jekyll site with Liquid includes?", author=1),
        message(1, "I did last year. The importer converts most includes", author=2, reply_to=0),
        message(2, "The importer converts most includes but custom filters need rewriting", 2),
        message(3, "Yes, the importer converts most includes but not the filters", 3, reply_to=0),
        message(4, "Same here", author=4, reply_to=2),
    ]
    analysis = analyse(messages)
    people = keypoints.people_of(analysis, range(len(messages)))

    def question(p):
        return keypoints.question_answered(analysis, people, p, messages[p].content)

    assert question(1) == 0  # "I did last year." says nothing alone
    assert question(2) is None  # replies to nothing
    assert question(3) is None  # says its subject: no question needed
    assert question(4) is None  # replies to a statement, not a question


async def test_in_a_digest_the_question_is_not_a_second_point():
    messages = [
        message(0, "Has anyone migrated a Jekyll site with Liquid includes to Quillpress?", 1),
        message(1, "I did last year. The importer converts most includes", author=2, reply_to=0),
    ]
    summary = await _brief(messages)
    points = [p for t in summary.topics for p in t.points]
    assert [p.message_ids for p in points] == [[1000, 1001]]
    assert points[0].text.startswith(
        "user1 asked user2 whether anyone has migrated a Jekyll site with Liquid includes to "
        "Quillpress. user2 did last year."
    )


def test_a_capital_opening_a_statement_is_kept_only_for_words_never_written_lower_case():
    messages = [
        message(0, "Will the cache survive when I change the theme?", author=1),
        message(1, "Theme changes invalidate the template cache", author=2),
        message(2, "Node 20 fixed the build for me", author=3),
        message(3, "Docs are outdated", author=4),
    ]
    assert _point(messages, 1).text == "user2 said theme changes invalidate the template cache."
    assert _point(messages, 2).text == "user3 said Node 20 fixed the build for them."
    assert _point(messages, 3).text == "user4 said Docs are outdated."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Docs sprint this Saturday! Who can help?", "Priya announced: Docs sprint this Saturday."),
        ("Theme showcase thread! Post your themes", "Priya announced: Theme showcase thread."),
        # A verb, or a word of the speaker's, makes it a statement.
        ("Release is out!", "Priya said Release is out."),
        ("Build fixed!", "Priya said Build fixed."),
        ("My theme is live!", "Priya's theme is live."),
    ],
)
def test_a_headline_said_to_everyone_is_announced(content, expected):
    assert said(content, PRIYA).startswith(expected)


def test_a_headline_said_to_someone_is_an_answer():
    assert said("Node 20! Set it in netlify.toml") == (
        "Maria said Node 20. Maria told Tom to set it in netlify.toml."
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # A modal's subject runs up to the "be" or "have" after it.
        (
            "How can that 8 turned sideways be interpreted as ϲο rather than οο ?",
            "Priya asked how that 8 turned sideways can be interpreted as ϲο rather than οο.",
        ),
        ("Can the build be cached?", "Priya asked whether the build can be cached."),
        ("Could this have been the cache?", "Priya asked whether this could have been the cache."),
        ("How can I fix this?", "Priya asked how they can fix this."),
        # Asked by its form, its "?" left off; a statement that opens alike is not.
        ("What's the meaning of these marks.", "Priya asked what the meaning is of these marks."),
        ("What is clear is that it works", "Priya said what is clear is that it works."),
    ],
)
def test_questions_reported_by_their_form(content, expected):
    assert said(content, PRIYA) == expected


def test_a_code_block_is_never_part_of_a_statement():
    content = "Is there any reference link?\n```\nὰρ ἀπ̣εχόμ̣ε̣θ̣α̣ τὰ\n```"
    assert said(content, PRIYA) == "Priya asked whether there is any reference link."
    # The cleaned text a point is made of marks the block "[code]".
    assert said("Is there any reference link? [code]", PRIYA) == (
        "Priya asked whether there is any reference link."
    )
    assert said("```\nonly code\n```", PRIYA) == "Priya shared a code block."


def test_a_message_said_in_parentheses_is_reported_without_them():
    assert said("(Here are the images with the readings)", PRIYA) == (
        "Priya said here are the images with the readings."
    )


def test_a_quotation_keeps_its_words_and_its_we():
    # Pasted from an announcement: its "we" is the organisers, not the speaker's team.
    content = (
        '"We will work with the Grand Prize winners to verify their results, \n'
        'and co-publish them in academic venues."\n\nI think we should publish too.'
    )
    assert said(content, PRIYA) == (
        "Priya quoted: “We will work with the Grand Prize winners to verify their results, "
        "and co-publish them in academic venues.” Priya thinks Priya's team should publish too."
    )
    assert said('"We ship on Friday, then we rest" - the release notes', PRIYA) == (
        "Priya quoted the release notes: “We ship on Friday, then we rest.”"
    )
    # The first sentences of a longer quotation, as a brief point keeps them.
    assert said('"We will work with the Grand Prize winners.', PRIYA) == (
        "Priya quoted: “We will work with the Grand Prize winners.”"
    )
    # A quoted word inside a sentence is no quotation.
    assert said('"cache_dir" is the setting I want', PRIYA) == (
        'Priya said "cache_dir" is the setting they want.'
    )


def test_an_interjection_is_a_lead_in():
    assert said("Ugh... every expert has been an amateur", PRIYA) == (
        "Priya said every expert has been an amateur."
    )


def test_a_statement_does_not_end_on_emoji_or_emoticons():
    assert said("we could pin it as a starting place for others as well. ❤️ :')))", PRIYA) == (
        "Priya's team could pin it as a starting place for others as well."
    )
    assert said("it's not a suspicion I'm afraid 🙂", PRIYA) == (
        "Priya said it's not a suspicion they are afraid."
    )


def test_told_someone_that():
    to_adam = Voice("Patrick", "Adam", frozenset({"Patrick", "Adam"}), mentioned=True)
    assert statement("@Adam Threads are not in my own exports", to_adam).text == (
        "Patrick told Adam that Threads are not in their own exports."
    )
    assert statement("@Adam that is a bit off topic", to_adam).text == (
        "Patrick told Adam that is a bit off topic."
    )
    assert statement("@Adam Indeed the export keeps them", to_adam).text == (
        "Patrick told Adam that indeed the export keeps them."
    )
    assert statement("@Adam out of curiosity, is there a plan for the images?", to_adam).text == (
        "Patrick asked Adam whether there is a plan for the images."
    )


def test_what_a_point_never_carries_over():
    # A list's number, struck-through words (taken back) and emoji names.
    content = "1. Use the exporter. Don't forget to choose ~~HTML~~ **JSON** format :thisisfine:"
    assert said(content, PRIYA) == (
        "Priya said to use the exporter. Priya said not to forget to choose JSON format."
    )
    # A time is not an emoji name.
    assert said("Meet at 10:30:45 today", PRIYA) == "Priya said to meet at 10:30:45 today."


def test_a_call_to_post_or_share_is_an_instruction():
    assert said("Theme showcase thread! Post the themes you built.", PRIYA) == (
        "Priya announced: Theme showcase thread. Priya said to post the themes you built."
    )
    assert said("Share your config if it still fails", PRIYA) == (
        "Priya said to share your config if it still fails."
    )


def test_please_asks_the_person_spoken_to():
    to_ada = Voice("Bob", "Ada", frozenset({"Bob", "Ada"}), mentioned=True)
    assert statement("@Ada please ask the admins about the venue", to_ada).text == (
        "Bob asked Ada to ask the admins about the venue."
    )
    assert said("Please test it on your sites", PRIYA) == "Priya said to test it on your sites."


def test_an_embedded_question_is_reported_in_order():
    assert said("Does anyone know is there a way to export threads?", PRIYA) == (
        "Priya asked whether anyone knows whether there is a way to export threads."
    )


def test_you_that_means_anyone_stays_you():
    assert said("You would hope that the deadline moves") == (
        "Maria said you would hope that the deadline moves."
    )
    assert said("You'd think the cache survives") == "Maria said you'd think the cache survives."
    assert said("You would like this theme") == "Maria said Tom would like this theme."


def test_a_comma_typed_without_its_space():
    assert (
        said("For me,the clock is Vesuvius", PRIYA) == "Priya said for them, the clock is Vesuvius."
    )
    assert "https://example.com/a,bc" in said("See https://example.com/a,bc for me,too", PRIYA)


def test_a_reasoning_put_as_a_question_is_quoted():
    assert said("Agreed, if it is ειν then it should be εἶναι?", PRIYA) == (
        "Priya asked: If it is ειν then it should be εἶναι?"
    )


@pytest.mark.parametrize(
    ("said_", "expected"),
    [
        ("the build cannot find its layouts", "layout"),  # its plural
        ("set layout_dir in quill.toml", "layout"),  # part of a setting's name
        ("Layout is the theme we ship", "Layout"),  # only ever capitalised: a name
    ],
)
def test_the_overview_lowers_a_title_the_chat_writes_in_lower_case(said_, expected):
    from summarizer.extractive import _subject
    from summarizer.models import Topic

    messages = [message(0, said_)]
    topic = Topic(title="Layout", points=[], participants=[], message_count=1)
    assert _subject(topic, messages) == expected


def test_chat_shortcuts_still_agree():
    assert said("anyone have a guess for this character?", PRIYA) == (
        "Priya asked whether anyone has a guess for this character."
    )
    assert said("anyone know how to export threads?", PRIYA) == (
        "Priya asked whether anyone knows how to export threads."
    )
    assert said("I 100% agree with the plan", PRIYA) == "Priya 100% agrees with the plan."
    assert (
        said("anyone else seeing this?", PRIYA) == "Priya asked whether anyone else is seeing this."
    )
    # Was "whether this have problem": "have this" read as an inverted question.
    assert said("anyone else have this problem?", PRIYA) == (
        "Priya asked whether anyone else has this problem."
    )


def test_only_code_is_a_code_block_and_only_an_emoji_name_is_no_code():
    assert said("```\ncode\n``` :thisisfine:", PRIYA) == "Priya shared a code block."
    assert "code block" not in said(":thisisfine:", PRIYA)
