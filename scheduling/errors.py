"""Errors of the scheduling package, worded for the person who will read them."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be opened or used as it is (newer schema, not a database, …)."""


class DuplicateError(StoreError):
    """Something with the same identity is stored already."""


class NotFoundError(StoreError):
    """No such schedule (also used when it belongs to another guild)."""


class ScheduleValidationError(ValueError):
    """A schedule as given cannot be stored; the message says which field and why."""


class ScheduleStateError(Exception):
    """The operation does not apply to the schedule's current state (e.g. resume an active one)."""


class RecurrenceError(ValueError):
    """A `when` that cannot be understood or would never fire; the message shows the input."""


class CheckUnavailableError(Exception):
    """The run-time access check cannot be made now (Discord not connected): don't run yet.

    The slot is left unclaimed; the next run's window reaches back to the last digest, so
    nothing is skipped, only delayed.
    """
