"""What a digest reaches: topics for every busy period, points that inform, any script's words."""

from __future__ import annotations

from datetime import timedelta

from summarizer import excerpts, facts, statements, summarize, text
from summarizer.analysis import analyse
from summarizer.budgets import BUDGETS, Budget
from summarizer.extractive import build_topics
from summarizer.models import Author, ChatMessage, SummaryLength, SummaryOptions
from tests.summarizer.helpers import CHANNEL, START, message
from tests.summarizer.test_periods import SUBJECTS, burst

BRIEF = BUDGETS[SummaryLength.BRIEF]


def busy_days(days: int, size: int = 20) -> list[ChatMessage]:
    """One conversation a day, each about its own subject, `size` messages long."""
    messages: list[ChatMessage] = []
    for day in range(days):
        subject = SUBJECTS[day % len(SUBJECTS)]
        messages += burst(START + timedelta(days=day), subject, size, 10_000 * (day + 1))
    return messages


# -- the budget ----------------------------------------------------------------------------


def test_brief_budget_scales_with_busy_periods_up_to_a_cap():
    assert BRIEF.for_periods(1) is BRIEF
    week = BRIEF.for_periods(3)
    assert week.topics == 3 * BRIEF.per_period
    assert week.point_chars < BRIEF.point_chars  # more topics, shorter points
    assert BRIEF.for_periods(30).topics == BRIEF.max_topics


def test_scaled_points_give_every_topic_one_and_the_rest_to_the_biggest():
    budget = Budget(3, 3, 70, 3, 3, 5, per_point=8, per_period=2, max_topics=6, max_points=8)
    assert budget.points([40, 10, 10, 4], scaled=True) == [3, 2, 2, 1]
    assert sum(budget.points([40] * 8, scaled=True)) == 8
    # A window of one period keeps one point per eight messages, three at most.
    assert budget.points([40, 10, 4], scaled=False) == [3, 2, 1]


async def test_brief_digest_of_a_busy_week_has_a_topic_for_every_day():
    summary = await summarize(busy_days(7), SummaryOptions(length=SummaryLength.BRIEF))
    days = {topic.period for topic in summary.topics}
    assert len(days) == 7
    points = [point for topic in summary.topics for point in topic.points]
    assert len(points) <= BRIEF.max_points
    # A point may finish the sentence its cut would fall in, a quarter longer at most.
    assert all(len(point.text) <= 1.25 * BRIEF.period_point_chars for point in points)


async def test_brief_digest_of_one_busy_day_keeps_three_topics():
    messages = []
    for n, subject in enumerate(SUBJECTS[:5]):
        messages += burst(START + timedelta(hours=3 * n), subject, 12, 10_000 * (n + 1))
    summary = await summarize(messages, SummaryOptions(length=SummaryLength.BRIEF))
    assert len(summary.topics) == BRIEF.topics
    assert {topic.period for topic in summary.topics} == {None}


# -- what a digest chooses -----------------------------------------------------------------


def test_a_conversation_weighs_by_what_its_messages_say_not_their_number():
    chatter = [message(i, ("lol", "ok", "same", "haha yes")[i % 4], 1 + i % 2) for i in range(12)]
    said = [
        "the staging database migration failed on the orders table",
        "it needs the new index on orders created first",
        "I can add the orders index migration tonight",
        "then rerun the staging migration after the index exists",
        "the orders table is large, expect about ten minutes",
        "fine, staging can be down for ten minutes tonight",
    ]
    talk = [message(100 + i, line, 3 + i % 2, minutes=120 + i) for i, line in enumerate(said)]
    analysis = analyse(chatter + talk)
    one_topic = Budget(1, 3, 70, 3, 3, 5, point_words=20, per_point=8)
    (topic,) = build_topics(analysis, one_topic)
    assert topic.message_count == len(talk)


async def test_a_highlight_does_not_repeat_a_key_point_nor_show_a_bare_attachment():
    liked = message(0, "The release is out: version 2.5 ships the new image cache", 1, reactions=6)
    thanks = message(1, "Great news, upgrading the docs site today", 2)
    image = message(2, "", 3, reactions=4)
    summary = await summarize([liked, thanks, image], SummaryOptions())
    cited = {i for topic in summary.topics for point in topic.points for i in point.message_ids}
    assert liked.id in cited
    assert all(h.message_id not in cited for h in summary.highlights)
    assert all(h.message_id != image.id for h in summary.highlights)


async def test_an_answered_question_is_reported_with_the_reply_it_got():
    asked = message(0, "How do I add a dark mode toggle without forking the theme?", 1)
    answer = message(
        1,
        "Override partials/header.html in your site folder, it wins over the theme.",
        2,
        reply_to=0,
    )
    thanks = message(2, "Perfect, that worked for the header too", 1)
    summary = await summarize([asked, answer, thanks], SummaryOptions(length=SummaryLength.BRIEF))
    point = summary.topics[0].points[0]
    assert point.message_ids[:2] == [asked.id, answer.id]
    assert "user1 asked" in point.text
    assert "partials/header.html" in point.text
    assert [a.name for a in point.authors][:2] == ["user1", "user2"]


async def test_a_reply_that_asks_back_is_no_answer():
    asked = message(0, "Which Node version does the build image need for the new release?", 1)
    back = message(1, "Which build image are you using, the old one or the new one?", 2, reply_to=0)
    summary = await summarize([asked, back], SummaryOptions(length=SummaryLength.BRIEF))
    point = next(p for p in summary.topics[0].points if asked.id in p.message_ids)
    assert back.id not in point.message_ids


def test_a_long_message_keeps_its_telling_sentences_not_its_preamble():
    preamble = (
        "Not an expert here, and I have only been following along for a week or so. "
        "I read most of the thread this morning over coffee before work today."
    )
    point = "The index migration locks the orders table, so run it after the nightly backup."
    long = f"{preamble} {point} Anyway, that is my two cents on it."
    subject = {text.stem("index"): 2.0, text.stem("orders"): 2.0, text.stem("migration"): 2.0}
    assert excerpts.telling(long, 20, subject).startswith(point)
    # Short messages, and conversations without a clear subject, keep their first sentences.
    assert excerpts.telling(long, 20, {}).startswith("Not an expert")
    assert excerpts.telling(point, 20, subject) == point


def test_a_highlight_excerpt_ends_at_a_sentence():
    said = (
        "I was in Naples last week. They have about 400 full scrolls, plus many fragments. "
        "The rest are lumps and inner parts of scrolls that nobody has counted."
    )
    assert text.leading(said, 100) == said[:81] + " …"
    assert text.leading(said, 500) == said
    assert text.leading("x" * 30 + " " + "y" * 30, 40).endswith("…")


def test_let_me_know_asks_to_be_told():
    voice = statements.Voice("Stephen", "Tom", frozenset({"Stephen", "Tom"}))
    said = statements.statement("Let me know if we should keep this for questions.", voice)
    assert (
        said.text == "Stephen asked to be told if Stephen and Tom should keep this for questions."
    )


# -- words of any script -------------------------------------------------------------------


def test_words_in_other_scripts_are_terms():
    # Matched without accents and with one sigma: what a term is, not how a digest shows it.
    assert text.terms("η λέξη πορφύρας στη στήλη") == ["λεξη", "πορφυρασ", "στη", "στηλη"]
    assert text.terms("проверка сборки") == ["проверка", "сборки"]
    assert text.word_count("και το θαυμασιον κατα μουσικην") == 5


def test_accents_and_sigma_forms_are_one_word():
    assert text.terms("πορφύρας") == text.terms("ΠΟΡΦΥΡΑΣ") == text.terms("πορφυραϲ")
    assert text.terms("café") == text.terms("cafe")
    # A combining underdot (an unsure letter in a reading) stays inside its word.
    assert text.terms("ο̣ντεϲουμε") == ["οντεσουμε"]


async def test_a_greek_conversation_becomes_a_topic_with_its_own_words():
    lines = [
        "διαβάζω πορφυρας στη δεύτερη γραμμή της στήλης",
        "ναι, πορφυρας και μετά μουσικην στην τρίτη γραμμή",
        "η λέξη μουσικην είναι πολύ καθαρή στη νέα εικόνα",
        "συμφωνώ, πορφυρας και μουσικην ταιριάζουν στο κείμενο",
    ]
    messages = [
        ChatMessage(
            id=500 + i,
            channel=CHANNEL,
            author=Author(id=1 + i % 2, name=f"user{1 + i % 2}"),
            content=line,
            created_at=START + timedelta(minutes=i),
        )
        for i, line in enumerate(lines)
    ]
    analysis = analyse(messages)
    assert len(analysis.conversations) == 1
    assert text.stem("πορφυρας") in analysis.idf
    summary = await summarize(messages, SummaryOptions(length=SummaryLength.BRIEF))
    assert any("πορφυρας" in point.text for point in summary.topics[0].points)


def test_a_cut_after_a_link_keeps_the_ellipsis_out_of_the_address():
    said = "I set up a board: https://miro.com/app/board/x=/?share=17 (thanks for the idea)"
    shown = text.shorten(said, 60)
    assert shown.endswith("share=17 …")
    assert text.links(shown) == ["https://miro.com/app/board/x=/?share=17"]


# -- long messages, cuts and highlights ----------------------------------------------------

CLARIFIED = (
    "Since there has been some confusion due to inaccurate media reporting within the last days "
    "and I am indirectly involved as a member of the team, I would like to clarify the situation "
    "for the community: The progress on the columns about Plato's life refers to an already "
    "opened papyrus. There is no connection to the challenge."
)


def test_a_long_lead_in_gives_way_to_what_it_introduces():
    assert excerpts.telling(CLARIFIED, 20, {}).startswith("The progress on the columns")
    # A short lead-in stays: it fits with what it introduces.
    assert excerpts.telling("Update: The build is green now.", 20, {}) == (
        "Update: The build is green now."
    )


def test_a_highlight_shows_what_a_long_lead_in_introduces():
    shown = excerpts.opening(CLARIFIED, 280)
    assert shown.startswith("… The progress on the columns about Plato's life")
    assert excerpts.opening("Short and sweet. Second.", 280) == "Short and sweet. Second."


def test_a_point_finishes_the_sentence_its_cut_would_fall_in():
    said = "Nobody trusts the output; it helped enable the grand prize last year. More follows."
    assert text.finished(said, 60) == said[: said.index(" More")]
    # Too far past the limit: cut at a word, as before.
    assert text.finished(said, 30).endswith("…")
    assert text.finished("Version 2.5 ships the new cache and more besides.", 12).endswith("…")


def test_highlights_need_words_and_put_the_message_that_says_more_first():
    messages = [
        message(0, "the reading of the last column is out, see the pinned image", 1),
        message(1, "DTOCONVEY", 2, reactions=9),
        message(2, "an' we read them all", 3, reactions=6),
        message(
            3, "the papyrologists say the text is about pleasure and the senses", 4, reactions=6
        ),
    ]
    shown = facts.highlights(analyse(messages), 3)
    assert [h.message_id for h in shown] == [messages[3].id, messages[2].id]


def test_a_window_read_by_periods_gets_more_highlights():
    assert BRIEF.highlights_for(BRIEF.topics) == BRIEF.highlights
    assert BRIEF.highlights_for(BRIEF.max_topics) == BRIEF.highlights + 2


async def test_a_one_line_topic_states_what_its_people_reacted_to():
    messages = [
        message(0, "morning all, anyone looked at the new scan yet today?", 1),
        message(1, "not yet, the download is slow for me this morning", 2),
        message(2, "same here, the server seems overloaded by everyone", 3),
        message(
            3, "the team says the full release comes after the prize is awarded", 2, reactions=9
        ),
        message(4, "ok, I will wait for the release then and read later", 1),
    ]
    summary = await summarize(messages, SummaryOptions(length=SummaryLength.BRIEF))
    (point,) = summary.topics[0].points
    assert point.message_ids[0] == messages[3].id
