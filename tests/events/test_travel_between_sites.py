"""Travel between sites (issue 13, `travel.between_posts`): a move takes its road time and the post is
short meanwhile; the nearer free person goes; a fixed roster is not filled from other sites; a zone's
sites are no road time apart; a city's own time zone moves its daily windows; and the switch off (or the
new fields unused) changes nothing."""

from __future__ import annotations

import pytest

from sim.model import run_replication
from sim.model.record import ReplicationRecord
from sim.scenario import ScenarioError
from tests.helpers.tiny import tiny

HEADER = """
name: travel_between_sites
timezone: America/Lima
start: 2024-11-04T00:00
end: 2024-11-05T00:00
cities: {lima: {lat: -12.05, lon: -77.04}}
sites:
  lcc: {city: lima, kind: venue}
  hotel: {city: lima, kind: hotel}
  airport: {city: lima, kind: airport}
travel:
  between_posts: true
  legs:
    - {between: [airport, hotel], minutes: 30}
    - {between: [hotel, lcc], minutes: 20}
    - {between: [airport, lcc], minutes: 40}
"""

DAY = "2024-11-04T"


def _window(a: str, b: str, required: int | None = None) -> str:
    extra = "" if required is None else f", required: {required}"
    return f"{{start: {DAY}{a}, end: {DAY}{b}{extra}}}"


def _run(body: str, header: str = HEADER) -> ReplicationRecord:
    return run_replication(tiny(body, header), trace=True)


def _log(r: ReplicationRecord, kinds: tuple[str, ...] = ("post", "gap", "move")) -> list[tuple]:
    return [(round(e.time_h, 9), e.kind, e.site, e.entity, e.detail) for e in r.events if e.kind in kinds]


POLICE = "forces:\n  police: {headcount: %d, cities: {lima: 1.0}, shift: {pattern: continuous}}\n"


def test_a_move_to_another_site_takes_its_road_time_and_the_post_is_short_meanwhile():
    r = _run(
        POLICE % 2
        + f"""
posts:
  a: {{site: hotel, required: 2, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  b: {{site: lcc, required: 2, forces: [police], windows: [{_window("01:00", "03:00")}]}}
"""
    )
    arrive = round(1 + 20 / 60, 9)
    assert _log(r) == [
        (0.0, "post", "hotel", "a", "open, required 2"),
        (0.0, "post", "hotel", "a", "staffed 2 of 2"),  # on shift at the post first sent to: no road
        (1.0, "post", "hotel", "a", "closed"),
        (1.0, "post", "lcc", "b", "open, required 2"),
        (1.0, "move", "lcc", "police.security", "2 from hotel, 20.0 min on the road"),
        (1.0, "gap", "lcc", "b", "short 2 of 2"),
        (arrive, "move", "lcc", "police.security", "2 arrived from hotel"),
        (arrive, "post", "lcc", "b", "staffed 2 of 2"),
        (arrive, "gap", "lcc", "b", "ended, was short 2 for 0.33 h"),
        (3.0, "post", "lcc", "b", "closed"),
    ]
    assert [(g.name, g.start_h, round(g.end_h, 9), g.short) for g in r.gaps] == [("b", 1.0, arrive, 2)]
    duty = r.duty[("police", "lima", "security")]
    assert duty.transit_ph == pytest.approx(2 * 20 / 60)
    assert duty.busy_ph == pytest.approx(2 * 1 + 2 * 20 / 60 + 2 * (3 - arrive))  # the road is work
    assert r.posts["b"].staffed_ph == pytest.approx(2 * (3 - arrive))


def test_without_the_switch_the_same_move_is_instant():
    r = _run(
        POLICE % 2
        + f"""
posts:
  a: {{site: hotel, required: 2, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  b: {{site: lcc, required: 2, forces: [police], windows: [{_window("01:00", "03:00")}]}}
""",
        HEADER.replace("between_posts: true", "between_posts: false"),
    )
    assert r.gaps == []
    assert r.duty[("police", "lima", "security")].transit_ph == 0.0


def test_the_nearer_free_person_goes_first():
    # One person each at the airport and the hotel; at 01:00 both posts close and the lcc needs one:
    # the hotel is 20 min away, the airport 40, so the one at the hotel goes.
    r = _run(
        POLICE % 2
        + f"""
posts:
  at_airport: {{site: airport, required: 1, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  at_hotel: {{site: hotel, required: 1, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  venue: {{site: lcc, required: 1, forces: [police], windows: [{_window("01:00", "03:00")}]}}
"""
    )
    arrive = round(1 + 20 / 60, 9)
    assert _log(r, ("move",)) == [
        (1.0, "move", "lcc", "police.security", "1 from hotel, 20.0 min on the road"),
        (arrive, "move", "lcc", "police.security", "1 arrived from hotel"),
    ]
    assert [(g.name, g.start_h, round(g.end_h, 9), g.short) for g in r.gaps] == [("venue", 1.0, arrive, 1)]


def test_a_scheduled_rise_is_prepared_ahead_and_people_on_the_road_count_towards_it():
    # Two at the airport and two at the hotel until 01:00. The lcc needs 2 from 01:00 and 3 from 01:10.
    # The rise is announced the longest road time to the lcc ahead (40 min, from the airport), but no
    # one is free before 01:00. At 01:00 the two at the hotel (20 min) go for the 2, and one from the
    # airport (40 min) for the third; the last person at the airport is not sent, as the three on the
    # road count towards the post.
    r = _run(
        POLICE % 4
        + f"""
posts:
  at_airport: {{site: airport, required: 2, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  at_hotel: {{site: hotel, required: 2, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  venue:
    site: lcc
    required: 2
    forces: [police]
    windows: [{_window("01:00", "01:10")}, {_window("01:10", "03:00", 3)}]
"""
    )
    hotel, airport = round(1 + 20 / 60, 9), round(1 + 40 / 60, 9)
    assert _log(r, ("move", "gap")) == [
        (1.0, "move", "lcc", "police.security", "2 from hotel, 20.0 min on the road"),
        (1.0, "move", "lcc", "police.security", "1 from airport, 40.0 min on the road"),
        (1.0, "gap", "lcc", "venue", "short 2 of 2"),
        (round(1 + 10 / 60, 9), "gap", "lcc", "venue", "ended, was short 2 for 0.17 h"),
        (round(1 + 10 / 60, 9), "gap", "lcc", "venue", "short 3 of 3"),
        (hotel, "move", "lcc", "police.security", "2 arrived from hotel"),
        (hotel, "gap", "lcc", "venue", "ended, was short 3 for 0.17 h"),
        (hotel, "gap", "lcc", "venue", "short 1 of 3"),
        (airport, "move", "lcc", "police.security", "1 arrived from airport"),
        (airport, "gap", "lcc", "venue", "ended, was short 1 for 0.33 h"),
    ]


def test_free_people_leave_in_time_for_a_scheduled_opening():
    # One person free at the lcc from the start; the hotel post opens at 02:00. Its opening is announced
    # the longest road time to the hotel ahead (30 min, from the airport), so the person leaves the lcc
    # at 01:30 and is there at 01:50: no gap.
    r = _run(
        POLICE % 1
        + f"""
posts:
  a: {{site: lcc, required: 1, forces: [police], windows: [{_window("00:00", "00:10")}]}}
  b: {{site: hotel, required: 1, forces: [police], windows: [{_window("02:00", "03:00")}]}}
"""
    )
    assert _log(r, ("move", "gap")) == [
        (1.5, "move", "hotel", "police.security", "1 from lcc, 20.0 min on the road"),
        (round(1.5 + 20 / 60, 9), "move", "hotel", "police.security", "1 arrived from lcc"),
    ]
    assert r.posts["b"].staffed_ph == 1.0


FIXED = f"""
posts:
  gate:
    site: lcc
    required: 2
    forces: [police]
    roster: %s
    windows: [{_window("00:00", "01:00")}, {_window("01:00", "03:00", 3)}]
  lobby: {{site: hotel, required: 1, forces: [police], windows: [{_window("00:00", "01:00")}]}}
"""


def test_a_fixed_roster_post_is_left_short_while_another_site_has_idle_people():
    # The gate (lcc) gets 2 at the start of the shift, the lobby (hotel) 1. At 01:00 the lobby closes,
    # its person is idle at the hotel, and the gate needs a third: a fixed roster is not filled from
    # another site, so the gate stays short 1 to the end of its window.
    r = _run(POLICE % 3 + FIXED % "fixed")
    assert _log(r, ("move", "gap")) == [
        (1.0, "gap", "lcc", "gate", "short 1 of 3"),
        (3.0, "gap", "lcc", "gate", "ended, was short 1 for 2.00 h"),
    ]
    assert r.posts["gate"].staffed_ph == pytest.approx(2 * 3)


def test_the_same_post_pooled_sends_for_the_idle_person():
    r = _run(POLICE % 3 + FIXED % "pooled")
    arrive = round(1 + 20 / 60, 9)
    assert _log(r, ("move", "gap")) == [
        (1.0, "move", "lcc", "police.security", "1 from hotel, 20.0 min on the road"),
        (1.0, "gap", "lcc", "gate", "short 1 of 3"),
        (arrive, "move", "lcc", "police.security", "1 arrived from hotel"),
        (arrive, "gap", "lcc", "gate", "ended, was short 1 for 0.33 h"),
    ]


def test_a_fixed_rosters_people_are_not_taken_by_a_higher_priority_post():
    # The gate (fixed, priority 5) has both people; at 01:00 a priority-1 post at the hotel opens. A
    # pooled gate would give them up (priority); a fixed one keeps them, so the hotel post is short.
    r = _run(
        POLICE % 2
        + f"""
posts:
  gate: {{site: lcc, required: 2, forces: [police], roster: fixed, windows: [{_window("00:00", "03:00")}]}}
  vip: {{site: hotel, required: 1, priority: 1, forces: [police], windows: [{_window("01:00", "02:00")}]}}
"""
    )
    assert [(g.name, g.start_h, g.end_h, g.short) for g in r.gaps] == [("vip", 1.0, 2.0, 1)]
    assert _log(r, ("move",)) == []


def test_moves_inside_a_zone_take_no_time():
    zoned = HEADER.replace("lcc: {city: lima, kind: venue}", "lcc: {city: lima, kind: venue, zone: centre}")
    zoned = zoned.replace(
        "hotel: {city: lima, kind: hotel}", "hotel: {city: lima, kind: hotel, zone: centre}"
    )
    body = (
        POLICE % 2
        + f"""
posts:
  a: {{site: hotel, required: 2, forces: [police], windows: [{_window("00:00", "01:00")}]}}
  b: {{site: lcc, required: 2, forces: [police], windows: [{_window("01:00", "03:00")}]}}
  c: {{site: airport, required: 2, forces: [police], windows: [{_window("03:00", "04:00")}]}}
"""
    )
    r = _run(body, zoned)
    # hotel -> lcc inside the zone: at once; lcc -> airport leaves the zone: 40 min.
    assert _log(r, ("move", "gap")) == [
        (3.0, "move", "airport", "police.security", "2 from lcc, 40.0 min on the road"),
        (3.0, "gap", "airport", "c", "short 2 of 2"),
        (round(3 + 40 / 60, 9), "move", "airport", "police.security", "2 arrived from lcc"),
        (round(3 + 40 / 60, 9), "gap", "airport", "c", "ended, was short 2 for 0.67 h"),
    ]
    assert r.posts["b"].staffed_ph == pytest.approx(2 * 2)


def test_people_not_needed_at_shift_start_wait_at_the_reserve_site():
    # The one person is not needed at 00:00, so waits at the reserve site (the airport); the hotel post's
    # opening at 02:00 is announced 30 min ahead (the longest road time to the hotel), so they leave then.
    reserve = HEADER.replace("cities: {lima: {lat: -12.05, lon: -77.04}}",
                             "cities: {lima: {lat: -12.05, lon: -77.04, reserve_site: airport}}")  # fmt: skip
    r = _run(
        POLICE % 1 + f"""
posts:
  b: {{site: hotel, required: 1, forces: [police], windows: [{_window("02:00", "03:00")}]}}
""",
        reserve,
    )  # fmt: skip
    assert _log(r, ("move", "gap")) == [
        (1.5, "move", "hotel", "police.security", "1 from airport, 30.0 min on the road"),
        (2.0, "move", "hotel", "police.security", "1 arrived from airport"),
    ]


def test_a_city_3_hours_ahead_staffs_its_daily_window_3_hours_earlier_on_the_scenario_clock():
    # The scenario runs on Lima time (UTC-5); Fernando de Noronha is UTC-2 all year.
    header = HEADER.replace(
        "cities: {lima: {lat: -12.05, lon: -77.04}}",
        "cities:\n  lima: {lat: -12.05, lon: -77.04}\n"
        "  noronha: {lat: -3.85, lon: -32.42, timezone: America/Noronha}",
    ).replace("sites:\n", "sites:\n  island: {city: noronha}\n")
    body = """
forces:
  police: {headcount: 4, cities: {lima: 0.5, noronha: 0.5}, shift: {pattern: continuous}}
posts:
  here: {site: hotel, required: 1, forces: [police], daily: [{from: "08:00", to: "20:00"}]}
  there: {site: island, required: 1, forces: [police], daily: [{from: "08:00", to: "20:00"}]}
"""
    r = _run(body, header)
    opened = [
        (e.entity, e.time_h, e.detail)
        for e in r.events
        if e.kind == "post" and (e.detail.startswith("open") or e.detail == "closed")
    ]
    assert opened == [
        ("there", 5.0, "open, required 1"),
        ("here", 8.0, "open, required 1"),
        ("there", 17.0, "closed"),
        ("here", 20.0, "closed"),
    ]
    assert r.posts["there"].required_ph == r.posts["here"].required_ph == 12.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("roster: fixed", "travel: {between_posts: false}"), "a fixed roster needs"),
        (("", "cities: {lima: {lat: 0, lon: 0, reserve_site: nowhere}}"), "unknown site 'nowhere'"),
        (("", "cities: {lima: {lat: 0, lon: 0, timezone: Mars/Base}}"), "unknown IANA timezone"),
    ],
)
def test_the_new_fields_are_checked(change: tuple[str, str], message: str):
    roster, extra = change
    body = (
        f"{extra}\n"
        + POLICE % 1
        + f"posts:\n  p: {{site: hotel, required: 1, forces: [police], {roster + ', ' if roster else ''}"
        f"windows: [{_window('00:00', '01:00')}]}}\n"
    )
    header = HEADER.replace("travel:\n  between_posts: true\n", "travel:\n")
    if extra.startswith("cities"):
        header = header.replace("cities: {lima: {lat: -12.05, lon: -77.04}}\n", "")
    if extra.startswith("travel"):
        header = header.replace("travel:\n  legs:", "legs_unused:").split("legs_unused:")[0]
    with pytest.raises(ScenarioError, match=message):
        tiny(body, header)


def test_at_a_shift_change_the_incoming_crew_relieves_in_place_with_no_road_time():
    # Two crews of 2 on 12-hour shifts from 07:00, arriving 30 min early; the hotel post needs 2 all day.
    r = _run("""
forces:
  police:
    headcount: 4
    cities: {lima: 1.0}
    shift: {pattern: 12on12off, first_start: "07:00", handover_min: 30}
posts:
  a: {site: hotel, required: 2, forces: [police], daily: [{from: "00:00", to: "00:00"}]}
""")  # fmt: skip
    assert _log(r, ("move", "gap")) == []
    assert r.posts["a"].staffed_ph == r.posts["a"].required_ph == 2 * 24
    assert r.duty[("police", "lima", "security")].transit_ph == 0.0


def test_an_escort_takes_the_nearest_free_people_and_gives_them_back_where_they_were():
    # One person idle at the airport (its post closed at 01:00), one on the lcc post (priority 5). The
    # arrival escort from the airport at 02:00 (priority 1, team of 1) takes the free one, not the one on
    # the post, with no road time of the board's own (the movement pays its 30 min); when it ends, that
    # person is back at the airport, and the post opening there at 04:00 is staffed at once.
    r = _run(
        POLICE % 2
        + f"""
posts:
  gate:
    site: airport
    required: 1
    forces: [police]
    windows: [{_window("00:00", "01:00")}, {_window("04:00", "05:00")}]
  venue: {{site: lcc, required: 1, forces: [police], windows: [{_window("00:00", "05:00")}]}}
tiers: {{minister: {{escort_team: 1, priority: 1}}}}
delegations:
  visitor:
    tier: minister
    hotel: hotel
    escort_forces: [police]
    arrival: {{airport: airport, scheduled: {DAY}02:00, delay_min: 0}}
    departure: {{airport: airport, scheduled: 2024-11-04T23:00, delay_min: 0}}
"""
    )  # fmt: skip
    assert _log(r, ("move", "gap")) == []
    assert r.movements[0].started_h == 2.0
    assert r.posts["venue"].staffed_ph == 5.0
    assert r.posts["gate"].staffed_ph == 2.0


def test_a_task_formed_at_a_handover_takes_the_outgoing_crew_relieved_in_place_by_the_incoming_one():
    # Crews of 2 on 12-hour shifts from 07:00, the next arriving at 18:30; the hotel post needs 2 all
    # day. An escort of 2 from the airport at 18:40: the incoming crew relieves the outgoing one at the
    # hotel in place, and the outgoing people go with the escort (held over past 19:00), as an instant
    # pool draws a task from the crew leaving first. The hotel post is never short.
    r = _run(
        f"""
forces:
  police:
    headcount: 4
    cities: {{lima: 1.0}}
    shift: {{pattern: 12on12off, first_start: "07:00", handover_min: 30}}
posts:
  a: {{site: hotel, required: 2, priority: 1, forces: [police], daily: [{{from: "00:00", to: "00:00"}}]}}
tiers: {{minister: {{escort_team: 2, priority: 2}}}}
delegations:
  visitor:
    tier: minister
    hotel: hotel
    escort_forces: [police]
    arrival: {{airport: airport, scheduled: {DAY}18:40, delay_min: 0}}
    departure: {{airport: airport, scheduled: 2024-11-04T23:30, delay_min: 0}}
"""
    )
    shifts = [(round(e.time_h, 9), e.detail) for e in r.events if e.kind == "shift" and 18 <= e.time_h <= 20]
    assert shifts == [
        (18.5, "crew 1 on until 11-05 00:00: 2 present, 0 absent"),  # to the end of the run
        (19.0, "crew 2 off: 0 leave, 2 held over"),
        (round(18 + 40 / 60 + 30 / 60, 9), "crew 2: 2 held over go off after 0.17 h overtime"),
    ]
    assert [g for g in r.gaps if g.demand == "post"] == []
    assert r.movements[0].started_h == pytest.approx(18 + 40 / 60)
