"""A `when`, zone or lookback beyond the grammar's bounds is refused before anything is stored,
with words a member can act on; what is stored can always be shown."""

from __future__ import annotations

import pytest

from tests.bot.sim.helpers import stored, text


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({"when": "once 9999-12-31 23:59"}, "a schedule's dates run from 1970-01-01 to 9000-12-31"),
        ({"when": "every 99999999999999999999 days"}, "an interval can be at most 10 years"),
        ({"when": "every 5 minutes from 9999-12-31T23:59-14:00"}, "the anchor 9999-12-31"),
        ({"timezone": "a" * 300}, "unknown time zone"),
        ({"timezone": "America"}, "unknown time zone 'America'"),
        ({"timezone": "../Europe/Berlin"}, "unknown time zone"),
        ({"lookback": "99999w"}, "a duration can be at most 10 years"),
    ],
)
async def test_create_refuses_out_of_bound_values_and_stores_nothing(world, options, answer):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        to=world.digest,
        **{"when": "daily at 09:00", **options},
    )
    assert answer in text(result)
    assert "went wrong" not in text(result)
    assert await stored(world) == []


async def test_the_last_date_allowed_is_created_and_shown(world):
    result = await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="once 9000-12-31 23:59",
        timezone="Etc/GMT+12",
        to=world.digest,
    )
    assert "Schedule created." in text(result)
    [schedule] = await stored(world)
    shown = await world.admin.slash(world.general, "schedule show", schedule=schedule.id)
    assert "once 9000-12-31 23:59 (Etc/GMT+12)" in shown.response.embeds[0].description


async def test_edit_refuses_out_of_bound_values_and_keeps_the_schedule(world):
    await world.admin.slash(
        world.general,
        "schedule create",
        channel=world.general,
        when="daily at 09:00",
        to=world.digest,
    )
    [before] = await stored(world)
    for options, answer in [
        ({"when": "once 9999-12-31 23:59"}, "a schedule's dates run from"),
        ({"when": "every 99999 days"}, "an interval can be at most 10 years"),
        ({"timezone": "Europe/" + "x" * 300}, "unknown time zone"),
        ({"lookback": "99999w"}, "a duration can be at most 10 years"),
    ]:
        result = await world.admin.slash(
            world.general, "schedule edit", schedule=before.id, **options
        )
        assert answer in text(result), options
    assert await stored(world) == [before]
    shown = await world.admin.slash(world.general, "schedule show", schedule=before.id)
    assert "daily at 09:00" in shown.response.embeds[0].description
