"""Splitting dense chat: no pauses, so replies and vocabulary shifts must find the conversations."""

from __future__ import annotations

from datetime import timedelta

from summarizer import text, tiling
from summarizer.analysis import analyse
from summarizer.conversations import document_frequencies
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


def test_cuts_leave_pieces_of_a_readable_size():
    messages = dense(DEPLOY + OFFSITE)
    bags = [text.terms(m.content) for m in messages]
    terms = [list(dict.fromkeys(bag)) for bag in bags]
    weights = tiling.squared(document_frequencies(bags))
    members = list(range(len(messages)))
    for cut in tiling.boundaries(messages, terms, weights, members):
        assert tiling.MIN_PIECE <= cut <= len(members) - tiling.MIN_PIECE


def test_short_conversations_are_never_tiled():
    messages = dense(DEPLOY[:10] + OFFSITE[:10])
    bags = [list(dict.fromkeys(text.terms(m.content))) for m in messages]
    weights = tiling.squared(document_frequencies(bags))
    assert tiling.segments(messages, bags, weights, list(range(20))) == [list(range(20))]
