"""deliver_all(): one digest to many destinations, concurrently, each on its own.

Per destination: every attempt has its own timeout and is recorded (through the recorder that
scheduling passes in: delivery holds no SQL). 2xx is success; 410 Gone disables the
destination; 429/502/503/504 wait for `Retry-After`; every other failure (3xx included:
redirects are never followed) is retried with exponential backoff and jitter up to
`delivery.max_attempts`. One destination's failure, slowness or exception never touches
another's.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from delivery.addresses import WEBHOOK_CONNECTIONS
from delivery.models import Attempt, DeliveryContext, DeliveryResult, DeliveryTarget
from delivery.settings import DeliverySettings
from summarizer.models import Summary

log = logging.getLogger(__name__)

# A server asking for longer than this is treated as a failed attempt, not waited for.
MAX_RETRY_AFTER_SECONDS = 300.0
DEFAULT_CONCURRENCY = WEBHOOK_CONNECTIONS

Recorder = Callable[[Attempt], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class SendOutcome(BaseModel):
    """What one sender call observed; the fan-out decides what happens next."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    http_status: int | None = None
    error: str | None = None
    external_id: str | None = None
    retry_after: float | None = None
    gone: bool = False
    # False for mistakes a retry cannot fix (a path outside the digest folder, no secret).
    retryable: bool = True


class Sender(Protocol):
    """Sends one digest to one kind of destination."""

    async def send(
        self, target: DeliveryTarget, summary: Summary, context: DeliveryContext
    ) -> SendOutcome:
        """Try once; raise or return a failed outcome on failure."""


async def _no_record(_attempt: Attempt) -> None:
    return None


async def deliver_all(
    summary: Summary,
    targets: Sequence[DeliveryTarget],
    context: DeliveryContext,
    *,
    senders: Mapping[str, Sender],
    settings: DeliverySettings,
    recorder: Recorder = _no_record,
    concurrency: int = DEFAULT_CONCURRENCY,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> list[DeliveryResult]:
    """Send `summary` to every target; one result per target, in the targets' order.

    While the bound has room, deliveries start one loop step apart. Started all in one step,
    every connection of the first hundred is opened before any of them sends its request, so
    the first answers, and the slots for the second hundred, come that much later (200
    webhooks in bench/fanout.py: the first request left 40 ms or more after the start).
    """
    limit = asyncio.Semaphore(concurrency)
    jitter = rng or random.Random()  # noqa: S311 -- retry jitter, not secrets

    async def one(target: DeliveryTarget) -> DeliveryResult | Exception:
        try:
            async with limit:
                return await _deliver_one(
                    summary, target, context, senders, settings, recorder, sleep, jitter
                )
        except Exception as exc:  # one destination's crash is its own result, below
            return exc

    tasks: list[asyncio.Task[DeliveryResult | Exception]] = []
    async with asyncio.TaskGroup() as group:
        for target in targets:
            tasks.append(group.create_task(one(target)))
            if not limit.locked():
                await asyncio.sleep(0)
    outcomes = [task.result() for task in tasks]
    results = []
    for target, outcome in zip(targets, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("delivery %s crashed", target.delivery_id, exc_info=outcome)
            outcome = DeliveryResult(
                delivery_id=target.delivery_id,
                destination_id=target.destination.id,
                delivered=False,
                attempts=target.attempts_so_far,
                error=f"internal error: {type(outcome).__name__}",
            )
        results.append(outcome)
    return results


async def _deliver_one(
    summary: Summary,
    target: DeliveryTarget,
    context: DeliveryContext,
    senders: Mapping[str, Sender],
    settings: DeliverySettings,
    recorder: Recorder,
    sleep: Sleep,
    jitter: random.Random,
) -> DeliveryResult:
    destination = target.destination
    sender = senders.get(_sender_key(destination))
    attempt_number = target.attempts_so_far
    last: Attempt | None = None
    while attempt_number < settings.max_attempts:
        attempt_number += 1
        if last is not None and target.resend_since is None:
            # The attempt before may have reached the destination although it failed here (a
            # timeout after the receiver stored it); a digest is never sent before its window
            # ends, so that is where a sender may start looking for it.
            target = target.model_copy(update={"resend_since": context.window_end})
        outcome, elapsed_ms = await _try_once(sender, target, summary, context, settings)
        last = Attempt(
            delivery_id=target.delivery_id,
            attempt=attempt_number,
            ok=outcome.ok,
            http_status=outcome.http_status,
            error=outcome.error,
            external_id=outcome.external_id,
            duration_ms=elapsed_ms,
            retry_after=outcome.retry_after,
            gone=outcome.gone,
        )
        await _record(recorder, last)
        if outcome.ok or outcome.gone or not outcome.retryable:
            break
        if attempt_number >= settings.max_attempts:
            break
        delay = _delay(outcome, attempt_number, settings, jitter)
        if delay is None:
            break
        await sleep(delay)
    return DeliveryResult(
        delivery_id=target.delivery_id,
        destination_id=destination.id,
        delivered=bool(last and last.ok),
        attempts=attempt_number,
        http_status=last.http_status if last else None,
        error=None if last is None or last.ok else last.error,
        external_id=last.external_id if last else None,
        duration_ms=last.duration_ms if last else 0,
        disabled=bool(last and last.gone),
    )


def _sender_key(destination: object) -> str:
    kind = getattr(destination, "kind", "")
    if kind == "webhook" and getattr(destination, "is_discord", False):
        return "discord_webhook"
    return str(kind)


async def _try_once(
    sender: Sender | None,
    target: DeliveryTarget,
    summary: Summary,
    context: DeliveryContext,
    settings: DeliverySettings,
) -> tuple[SendOutcome, int]:
    started = time.monotonic()
    if sender is None:
        kind = _sender_key(target.destination)
        outcome = SendOutcome(
            ok=False, error=f"no sender for {kind} destinations in this process", retryable=False
        )
    else:
        try:
            # A timeout scope, not `wait_for`: no extra task per attempt (one per destination).
            async with asyncio.timeout(settings.timeout_seconds):
                outcome = await sender.send(target, summary, context)
        except TimeoutError:
            outcome = SendOutcome(ok=False, error=f"timed out after {settings.timeout_seconds:g} s")
        except Exception as exc:
            log.warning("delivery %s: %s", target.delivery_id, type(exc).__name__)
            outcome = SendOutcome(ok=False, error=_describe(exc))
    return outcome, int((time.monotonic() - started) * 1000)


def _delay(
    outcome: SendOutcome, attempt: int, settings: DeliverySettings, jitter: random.Random
) -> float | None:
    if outcome.retry_after is not None:
        if outcome.retry_after > MAX_RETRY_AFTER_SECONDS:
            return None
        return max(0.0, outcome.retry_after)
    return settings.retry_base_seconds * 2 ** (attempt - 1) * (0.5 + jitter.random())


async def _record(recorder: Recorder, attempt: Attempt) -> None:
    try:
        await recorder(attempt)
    except Exception:
        # The outbox row stays as it was: at worst a resend at start-up, never a loss.
        log.exception("could not record attempt %s of %s", attempt.attempt, attempt.delivery_id)


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
