"""The LLM engine: an OpenAI-compatible model writes the overview and topics, the rest is counted.

Highlights, open questions, links and stats come from the extractive engine's exact counts
(`facts.py`); the model only writes what needs writing. Whatever goes wrong with the model —
timeout, connection error, retries spent, an answer still invalid after one repair, the guild's
daily token budget — the digest falls back to the offline summary with a note saying why, so a
digest is never lost because a model was down.

The daily budget is kept in memory by the engine object, per guild and UTC day: a restart
forgets what was spent today.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
from datetime import date
from typing import Any

import aiohttp

from summarizer.extractive import BUDGETS, build_summary
from summarizer.facts import person
from summarizer.llm_client import ChatClient, ModelUnavailable, NotACompletionError, Sleep
from summarizer.llm_prompt import (
    OVERVIEW_CHARS,
    POINT_CHARS,
    TITLE_CHARS,
    Answer,
    AnswerTopic,
    Prompt,
    chunk_items,
    defuse,
    estimate_tokens,
    merge_prompt,
    message_items,
    parse_answer,
    summary_prompt,
)
from summarizer.llm_prompt import REPAIR as REPAIR_TEMPLATE
from summarizer.models import (
    ChatMessage,
    KeyPoint,
    Person,
    Summary,
    SummaryOptions,
    TokenUsage,
    Topic,
)
from summarizer.settings import LLMSettings

ENGINE = "llm"
OFFLINE = "this is the offline summary"


class InvalidAnswer(Exception):
    """The model answered, but not in the schema, even after one repair attempt."""


class _Tally:
    """Tokens spent by one digest: as the API reports them, else as estimated."""

    def __init__(self) -> None:
        self.prompt = self.completion = self.total = 0
        self.calls = 0

    def add(self, usage: TokenUsage, prompt: Prompt, content: str) -> None:
        self.calls += 1
        self.prompt += usage.prompt_tokens
        self.completion += usage.completion_tokens
        # A server that reports no usage (some local ones) is charged the estimate instead.
        self.total += usage.total_tokens or prompt.tokens + estimate_tokens(content)

    def usage(self) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt, completion_tokens=self.completion, total_tokens=self.total
        )


class LLMEngine:
    """Summarizes through one configured model; share one instance across every job.

    The instance owns the concurrency limiter and the daily budgets, so both only work when
    every job uses the same engine object.
    """

    def __init__(
        self,
        settings: LLMSettings,
        session: aiohttp.ClientSession,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Talk to `settings.base_url` over the bot's shared `session`."""
        self.settings = settings
        self.client = ChatClient(settings, session, sleep=sleep)
        self._spent: dict[tuple[int, date], int] = {}

    def spent_today(self, guild_id: int, day: date) -> int:
        """Tokens charged to `guild_id` on UTC `day` since this engine started."""
        return self._spent.get((guild_id, day), 0)

    async def __call__(self, messages: Sequence[ChatMessage], options: SummaryOptions) -> Summary:
        """Summarize messages (already filtered, oldest first); never raises for model trouble."""
        offline = build_summary(messages, options)
        if not messages:
            return offline.model_copy(update={"engine": ENGINE})
        chunks = chunk_items(message_items(messages), self.settings.max_input_tokens)
        key = (options.guild.id if options.guild else 0, offline.generated_at.date())
        needed = self._estimate(chunks, options)
        budget = self.settings.daily_token_budget
        if budget and self._spent.get(key, 0) + needed > budget:
            return _fallback(
                offline,
                f"the daily token budget of {budget} tokens for this guild is used up "
                f"({self._spent.get(key, 0)} spent today, this digest needs about {needed}; "
                f"it resets at 00:00 UTC and when the bot restarts); {OFFLINE}",
                None,
            )
        self._charge(key, needed)
        tally = _Tally()
        try:
            answer = await self._summarize(chunks, options, tally, len(messages))
        except NotACompletionError as exc:
            return _fallback(
                offline,
                f"the model's server answered, but not with a chat completion ({exc}); {OFFLINE}",
                tally,
            )
        except ModelUnavailable as exc:
            return _fallback(offline, f"the model was unreachable ({exc}); {OFFLINE}", tally)
        except InvalidAnswer as exc:
            return _fallback(
                offline,
                f"the model's answer did not fit the summary schema after one repair "
                f"attempt ({exc}); {OFFLINE}",
                tally,
            )
        finally:
            # The reservation becomes what was really spent.
            self._charge(key, tally.total - needed)
        return _with_answer(offline, answer, messages, options, tally.usage())

    def _estimate(self, chunks: Sequence[Sequence[dict]], options: SummaryOptions) -> int:
        """Prompt plus full output for every call this digest will make (map, then reduce)."""
        calls = [summary_prompt(c, options, (1, len(chunks))).tokens for c in chunks]
        if len(chunks) > 1:
            calls.append(self.settings.max_input_tokens)
        return sum(calls) + len(calls) * self.settings.max_output_tokens

    def _charge(self, key: tuple[int, date], tokens: int) -> None:
        # Yesterday's counts can never matter again.
        for old in [k for k in self._spent if k[1] < key[1]]:
            del self._spent[old]
        self._spent[key] = max(self._spent.get(key, 0) + tokens, 0)

    async def _summarize(
        self, chunks: Sequence[Sequence[dict]], options: SummaryOptions, tally: _Tally, count: int
    ) -> Answer:
        if len(chunks) == 1:
            return await self._ask(summary_prompt(chunks[0], options, None), tally)
        prompts = [summary_prompt(c, options, (i, len(chunks))) for i, c in enumerate(chunks, 1)]
        results = await _all([self._ask(p, tally) for p in prompts])
        partials = [_keep_cited(r, count) for r in results]
        return await self._reduce(partials, options, tally, count)

    async def _reduce(
        self, partials: list[Answer], options: SummaryOptions, tally: _Tally, count: int
    ) -> Answer:
        """Merge partial answers, in groups that fit the input budget, until one is left."""
        while len(partials) > 1:
            groups: list[list[Answer]] = [[]]
            for partial in partials:
                candidate = [*groups[-1], partial]
                too_big = merge_prompt(candidate, options).tokens > self.settings.max_input_tokens
                if len(groups[-1]) >= 2 and too_big:
                    groups.append([])
                groups[-1].append(partial)
            # A group of one (the tail of a round) goes on to the next round as it is.
            tail = groups.pop() if len(groups) > 1 and len(groups[-1]) == 1 else []
            merged = await _all([self._ask(merge_prompt(g, options), tally) for g in groups])
            partials = [_keep_cited(m, count) for m in merged] + tail
        return partials[0]

    async def _ask(self, prompt: Prompt, tally: _Tally) -> Answer:
        """One request, and one repair turn if the answer does not validate."""
        first = await self.client.complete(prompt)
        tally.add(first.usage, prompt, first.content)
        try:
            return parse_answer(first.content)
        except ValueError as exc:
            history = [
                {"role": "assistant", "content": first.content},
                {"role": "user", "content": REPAIR_TEMPLATE.format(error=exc)},
            ]
        second = await self.client.complete(prompt, history)
        tally.add(second.usage, prompt, second.content)
        try:
            return parse_answer(second.content)
        except ValueError as exc:
            raise InvalidAnswer(str(exc)[:200]) from None


async def _all(calls: list[Coroutine[Any, Any, Answer]]) -> list[Answer]:
    """Every answer, or the first failure once all calls have finished (none left orphaned)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [r for r in results if isinstance(r, Answer)]


def _keep_cited(answer: Answer, count: int) -> Answer:
    """Drop ids the input did not contain, points left citing nothing, topics left empty."""
    topics = []
    for topic in answer.topics:
        points = []
        for point in topic.points:
            ids = list(dict.fromkeys(i for i in point.message_ids if 1 <= i <= count))
            if ids:
                points.append(point.model_copy(update={"message_ids": ids}))
        if points:
            topics.append(AnswerTopic(title=topic.title, points=points))
    return Answer(overview=answer.overview, topics=topics)


def _with_answer(
    offline: Summary,
    answer: Answer,
    messages: Sequence[ChatMessage],
    options: SummaryOptions,
    usage: TokenUsage,
) -> Summary:
    budget = BUDGETS[options.length]
    topics: list[Topic] = []
    for topic in _keep_cited(answer, len(messages)).topics[: budget.topics]:
        points = [
            KeyPoint(
                text=defuse(point.text, POINT_CHARS),
                message_ids=[messages[i - 1].id for i in point.message_ids],
                authors=_people(messages[i - 1] for i in point.message_ids),
                jump_url=messages[point.message_ids[0] - 1].jump_url,
            )
            for point in topic.points[: budget.points_per_topic]
        ]
        cited = sorted(
            {i for point in topic.points[: budget.points_per_topic] for i in point.message_ids}
        )
        topics.append(
            Topic(
                title=defuse(topic.title, TITLE_CHARS),
                points=points,
                participants=_people(messages[i - 1] for i in cited),
                message_count=len(cited),
                start=messages[cited[0] - 1].created_at,
                end=messages[cited[-1] - 1].created_at,
            )
        )
    overview = defuse(answer.overview, OVERVIEW_CHARS) or offline.overview
    return offline.model_copy(
        update={"engine": ENGINE, "overview": overview, "topics": topics, "usage": usage}
    )


def _people(messages: Iterable[ChatMessage]) -> list[Person]:
    found: dict[int, Person] = {}
    for message in messages:
        found.setdefault(message.author.id, person(message))
    return list(found.values())


def _fallback(offline: Summary, note: str, tally: _Tally | None) -> Summary:
    usage = tally.usage() if tally is not None and tally.calls else None
    return offline.model_copy(update={"notes": [*offline.notes, note], "usage": usage})
