"""Splitting dense chat: no pauses, so replies and vocabulary shifts must find the conversations."""

from __future__ import annotations

import random
from datetime import timedelta

from summarizer import text, tiling
from summarizer.analysis import analyse
from summarizer.conversations import document_frequencies, reply_targets
from summarizer.models import Author, ChatMessage
from tests.summarizer.helpers import CHANNEL, START

DEPLOY = [
    "the deploy to staging failed again after the migration",
    "which migration? the one adding the invoices table?",
    "yes, the invoices migration times out on the big tenants",
    "can we run the migration in batches instead of one transaction",
    "batching the invoices backfill should keep the locks short",
    "I'll split the backfill into batches of ten thousand rows",
    "also bump the statement timeout on staging for the deploy",
    "staging deploy is green now with the batched migration",
    "nice, the invoices table looks right on staging",
    "let's schedule the production deploy for tonight then",
    "who is on call for the production deploy tonight?",
    "I am, I'll watch the migration dashboards during the deploy",
    "remember to pause the billing workers before the migration",
    "good call, the billing workers write to invoices",
    "rollback plan: revert the deploy and drop the new invoices table",
    "the rollback script is in the runbook under migrations",
    "ok deploy checklist updated with the billing workers step",
    "staging smoke tests pass on the new invoices endpoints",
    "migration took 4 minutes on staging with batches",
    "production should take longer, more tenants and invoices",
    "fine, we have a two hour deploy window tonight",
    "I'll post in the channel when the deploy starts",
]
OFFSITE = [
    "unrelated: where are we going for the team offsite in june?",
    "the offsite vote had lisbon and porto at the top",
    "lisbon flights are cheaper from most of our cities",
    "porto has that nice venue by the river though",
    "could we do lisbon for the offsite and a day trip to sintra?",
    "sintra day trip sounds great, the palaces are worth it",
    "budget for the offsite is about 900 per person including flights",
    "hotels in lisbon in june get expensive, book early",
    "I can look at hotels near the offsite venue in alfama",
    "alfama is hilly, maybe baixa is easier for the venue",
    "let's pick dates first, second week of june works for me",
    "second week of june clashes with the conference for two people",
    "then the third week of june for the offsite?",
    "third week works, I'll update the offsite doc",
    "someone should check vegetarian options at the venue",
    "the venue caterer has vegetarian and vegan menus",
    "great, I'll send the lisbon offsite survey tomorrow",
    "include a question about the sintra day trip in the survey",
    "and about sharing hotel rooms, some prefer not to",
    "noted, the survey covers rooms, dates and the day trip",
    "can't wait for lisbon, pastéis de nata every morning",
    "survey goes out tomorrow morning then",
]


def dense(texts: list[str], replies: dict[int, int] | None = None) -> list[ChatMessage]:
    """One message every 30 seconds, four people taking turns; `replies` maps index → target."""
    replies = replies or {}
    return [
        ChatMessage(
            id=5000 + i,
            channel=CHANNEL,
            author=Author(id=1 + i % 4, name=f"user{1 + i % 4}"),
            content=said,
            created_at=START + timedelta(seconds=30 * i),
            reply_to=5000 + replies[i] if i in replies else None,
        )
        for i, said in enumerate(texts)
    ]


def times_of(messages: list[ChatMessage]) -> list[float]:
    return [m.created_at.timestamp() for m in messages]


def groups(messages: list[ChatMessage]) -> list[list[int]]:
    return [c.members for c in analyse(messages).conversations]


def test_dense_traffic_is_split_where_the_subject_changes():
    assert groups(dense(DEPLOY + OFFSITE)) == [
        list(range(len(DEPLOY))),
        list(range(len(DEPLOY), len(DEPLOY) + len(OFFSITE))),
    ]


def test_one_subject_in_dense_traffic_stays_one_conversation():
    talk = DEPLOY + [f"{line}, again" for line in DEPLOY]
    assert groups(dense(talk)) == [list(range(len(talk)))]


def test_a_late_reply_follows_the_message_it_answers_across_a_cut():
    late = len(DEPLOY) + 12
    talk = DEPLOY + OFFSITE
    talk[late] = "yes, and the rollback script was tested on staging last week"
    found = groups(dense(talk, replies={late: 14}))
    assert len(found) == 2
    assert late in found[0]
    assert late not in found[1]


def test_no_cut_separates_a_nearby_reply_from_its_message():
    # The first offsite message answers the last deploy message: the cut moves past the pair.
    talk = DEPLOY + OFFSITE
    messages = dense(talk, replies={len(DEPLOY): len(DEPLOY) - 1})
    for members in groups(messages):
        ids = {messages[p].id for p in members}
        for p in members:
            target = messages[p].reply_to
            assert target is None or target in ids


def test_a_gap_is_crossed_exactly_when_a_nearby_reply_spans_it():
    # Only the gaps near a boundary are asked about, in one pass per stretch; every answer
    # must agree with counting every reply of the conversation that spans the gap.
    rng = random.Random(14)
    for _ in range(300):
        members = sorted(rng.sample(range(300), rng.randint(2, 80)))
        targets: list[int | None] = [None] * 300
        for k, p in enumerate(members):
            if k and rng.random() < 0.4:
                targets[p] = rng.choice(members[max(0, k - 14) : k])
            elif rng.random() < 0.1:
                targets[p] = rng.randrange(300)  # a message of another conversation
        index = {p: k for k, p in enumerate(members)}
        spanned = {
            cut
            for cut in range(1, len(members))
            for k, p in enumerate(members)
            if targets[p] in index
            and index[targets[p]] < cut <= k
            and k - index[targets[p]] <= tiling.REPLY_REACH
        }
        for first in range(1, len(members)):
            for stop in range(first + 1, min(len(members), first + 12) + 1):
                expected = {cut for cut in spanned if first <= cut < stop}
                assert tiling._crossings(targets, members, first, stop) == expected


def test_a_dip_is_measured_against_the_highest_cohesion_beside_it():
    # `_dips` compares each gap with its neighbours by hand; the definition is the highest
    # cohesion of up to two gaps on each side (gap 0 is no neighbour), the gap itself if none.
    rng = random.Random(15)
    for _ in range(3000):
        size = rng.randint(1, 30)
        cohesion = [rng.choice([0.0, 0.05, 0.2, 0.5, rng.random()]) for _ in range(size)]
        count = rng.randint(max(1, size * tiling.CHUNK - tiling.CHUNK + 1), size * tiling.CHUNK)
        measured = cohesion[1:]
        bar = max(tiling.DEPTH, tiling.RELATIVE * sum(measured) / len(measured) if measured else 0)
        expected = []
        for gap in range(1, size):
            position = gap * tiling.CHUNK
            if (
                not tiling.MIN_PIECE - tiling.CHUNK
                < position
                < count - tiling.MIN_PIECE + tiling.CHUNK
            ):
                continue
            here = cohesion[gap]
            left = max(cohesion[max(1, gap - 2) : gap], default=here)
            right = max(cohesion[gap + 1 : gap + 3], default=here)
            if (left - here) + (right - here) >= bar:
                expected.append(((left - here) + (right - here), gap))
        assert tiling._dips(cohesion, count) == expected, (cohesion, count)


def test_cuts_leave_pieces_of_a_readable_size():
    messages = dense(DEPLOY + OFFSITE)
    bags = [text.terms(m.content) for m in messages]
    terms = [list(dict.fromkeys(bag)) for bag in bags]
    weights = tiling.squared(document_frequencies(bags))
    members = list(range(len(messages)))
    for cut in tiling.boundaries(reply_targets(messages), terms, weights, members):
        assert tiling.MIN_PIECE <= cut <= len(members) - tiling.MIN_PIECE


def test_short_conversations_are_never_tiled():
    messages = dense(DEPLOY[:10] + OFFSITE[:10])
    bags = [list(dict.fromkeys(text.terms(m.content))) for m in messages]
    weights = tiling.squared(document_frequencies(bags))
    times = times_of(messages)
    pieces = tiling.segments(reply_targets(messages), times, bags, weights, list(range(20)))
    assert pieces == [list(range(20))]


# -- pauses measured against the pace ------------------------------------------------------

SLOW_DEBATE = [
    "asked a chatbot to read the ink labels, the result was modest",
    "these texts span centuries, the model cannot know that",
    "orthography did not change much over that time though",
    "a papyrologist could use it for a first guess at most",
    "before any of that we need a tool to collect readings",
    "feeding challenge data to a public model breaks the agreement",
    "the scrap I used was labelled by last year's winners",
    "nobody can check what such a model makes up",
    "it only repeats what it was trained on, without knowing truth",
    "a shared board for transcriptions would help everyone",
]


def slow(texts: list[str], minutes: int, start_minutes: int = 0) -> list[ChatMessage]:
    """One message every `minutes`, three people taking turns."""
    return [
        ChatMessage(
            id=7000 + start_minutes + i,
            channel=CHANNEL,
            author=Author(id=1 + i % 3, name=f"user{1 + i % 3}"),
            content=said,
            created_at=START + timedelta(minutes=start_minutes + minutes * i),
        )
        for i, said in enumerate(texts)
    ]


def test_a_slow_channel_keeps_its_talk_together_across_long_pauses():
    # A message every 50 minutes for a day: a pause of 50 minutes is the channel's beat, not the
    # end of a talk, so the debate at the end (few shared words) stays one conversation.
    history = slow([f"note {i} about segment {i} of the scan" for i in range(30)], 50)
    debate = slow(SLOW_DEBATE, 50, start_minutes=50 * 30)
    found = groups(history + debate)
    tail = set(range(len(history), len(history) + len(debate)))
    assert any(tail <= set(members) for members in found)


def test_in_a_busy_channel_the_same_pauses_end_the_talk():
    # The same debate after a morning of a message every 30 seconds: 50 minutes is a long
    # pause there, and messages that share few words start conversations of their own.
    history = dense([f"{line} again" for line in DEPLOY] * 2)
    debate = slow(SLOW_DEBATE, 50, start_minutes=60)
    found = groups(history + debate)
    tail = set(range(len(history), len(history) + len(debate)))
    assert not any(tail <= set(members) for members in found)


def test_a_conversation_revived_hours_later_is_another_sitting():
    # Shared words bring the deploy talk back after two and a half hours: another sitting.
    later = [
        ChatMessage(
            id=9000 + i,
            channel=CHANNEL,
            author=Author(id=1 + i % 4, name=f"user{1 + i % 4}"),
            content=said,
            created_at=START + timedelta(hours=2.5, seconds=30 * (len(DEPLOY) + i)),
            reply_to=5000 + 3 if i == 1 else None,
        )
        for i, said in enumerate(DEPLOY)
    ]
    found = groups(dense(DEPLOY) + later)
    assert [len(members) for members in found] == [len(DEPLOY) + 1, len(DEPLOY) - 1]
    # A reply across the pause follows the message it answers into the first sitting.
    assert len(DEPLOY) + 1 in found[0]


def test_pauses_are_measured_against_the_conversations_own_pace():
    messages = dense(DEPLOY + OFFSITE)
    members = list(range(len(messages)))
    assert tiling.pauses(times_of(messages), members) == []  # 30 seconds apart: no pause at all
    late = [
        m.model_copy(update={"created_at": m.created_at + timedelta(hours=3)})
        for m in messages[20:]
    ]
    assert tiling.pauses(times_of(messages[:20] + late), members) == [20]
