"""The extras dispatch: one binding / not-binding pair per rule, and the objective's order."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.dispatch import (
    Dispatch,
    Fixed,
    Performer,
    Problem,
    Profile,
    Request,
    dispatch,
    first_come,
    gini,
)

DAY = date(2027, 3, 10)


def p(pid: int, **kw: object) -> Performer:
    base: dict[str, object] = {"gender": "m", "category": "ordinary"}
    base.update(kw)
    return Performer(pid, **base)  # type: ignore[arg-type]


def worked(n: int, before: int = 0) -> frozenset[date]:
    """``n`` days worked, ending ``before`` days before DAY."""
    return frozenset(DAY - timedelta(days=before + 1 + i) for i in range(n))


def who(result: Dispatch, request: int = 1) -> set[int]:
    return {a.performer for a in result.assignments if a.request == request}


def solve(people: list[Performer], *requests: Request, fixed: tuple[Fixed, ...] = ()) -> Dispatch:
    return dispatch(Problem(DAY, tuple(people), tuple(requests), fixed))


def test_one_crew_a_day() -> None:
    result = solve([p(1)], Request(1, 10, 1), Request(2, 20, 1))
    assert result.filled == 1 and len(result.assignments) == 1
    # Not binding: two people, two requests.
    assert solve([p(1), p(2)], Request(1, 10, 1), Request(2, 20, 1)).filled == 2


def test_every_required_tag() -> None:
    people = [p(1, tags=frozenset({"horse-riding"})), p(2)]
    riders = Request(1, 10, 2, Profile(tags=frozenset({"horse-riding"})))
    result = solve(people, riders)
    assert who(result) == {1}
    (gap,) = result.unfilled
    assert gap.missing == 1 and gap.code == "taken"
    # Nobody at all with the tag: the reason names it.
    result = solve([p(2)], Request(1, 10, 1, Profile(tags=frozenset({"stunt"}))))
    assert result.unfilled[0].code == "no_match"
    assert "stunt" in result.unfilled[0].reason


def test_gender_age_height_and_category() -> None:
    people = [
        p(1, gender="f", birth_year=2000, height_cm=165),
        p(2, gender="m", birth_year=1950, height_cm=175),
        p(3, gender="m", birth_year=2000, height_cm=181, category="featured_small"),
        p(4, gender="m", birth_year=2000, height_cm=181),
    ]
    young_men = Profile(gender="m", age_min=20, age_max=40, height_min=180)
    assert who(solve(people, Request(1, 1, 4, young_men))) == {3, 4}
    featured = Profile(categories=frozenset({"featured_small"}))
    assert who(solve(people, Request(1, 1, 4, featured))) == {3}
    # Unknown birth year never meets an age requirement.
    assert who(solve([p(9)], Request(1, 1, 1, Profile(age_max=40)))) == set()


def test_unavailable_days() -> None:
    result = solve([p(1, unavailable=frozenset({DAY}))], Request(1, 10, 1))
    assert result.filled == 0 and result.unfilled[0].code == "none_free"
    assert "free on" in result.unfilled[0].reason
    other_day = frozenset({DAY + timedelta(days=1)})
    assert solve([p(1, unavailable=other_day)], Request(1, 10, 1)).filled == 1


def test_inactive_performers_are_not_dispatched() -> None:
    assert solve([p(1, active=False)], Request(1, 10, 1)).filled == 0


def test_weekly_limit() -> None:
    tired = p(1, max_days_per_week=3, worked=worked(3))
    result = solve([tired], Request(1, 10, 1))
    assert result.filled == 0 and result.unfilled[0].code == "weekly_limit"
    # Days older than the last six do not count against the week.
    rested = p(1, max_days_per_week=3, worked=worked(3, before=6))
    assert solve([rested], Request(1, 10, 1)).filled == 1


def test_priority_decides_who_is_short() -> None:
    people = [p(1), p(2)]
    low, high = Request(1, 10, 2, priority=1), Request(2, 20, 2, priority=8)
    result = solve(people, low, high)
    assert who(result, 2) == {1, 2} and who(result, 1) == set()
    assert result.unfilled[0].request == 1 and result.unfilled[0].code == "taken"


def test_fill_beats_priority_order_when_both_can_be_served() -> None:
    """A specialist goes where only a specialist fits; the generalist fills the other."""
    people = [p(1, tags=frozenset({"dance"})), p(2)]
    any_one = Request(1, 10, 1, priority=9)
    dancer = Request(2, 20, 1, Profile(tags=frozenset({"dance"})), priority=1)
    result = solve(people, any_one, dancer)
    assert who(result, 1) == {2} and who(result, 2) == {1} and result.fill_rate == 1.0


def test_least_worked_first() -> None:
    people = [p(1, worked=worked(5)), p(2, worked=worked(1)), p(3, worked=worked(9))]
    assert who(solve(people, Request(1, 10, 1))) == {2}
    # Days worked more than 30 days ago do not count.
    people = [p(1, worked=worked(5, before=40)), p(2, worked=worked(1))]
    assert who(solve(people, Request(1, 10, 1))) == {1}


def test_ties_rotate_between_days() -> None:
    """Equal workloads: the pick depends on the day, so nobody is everyone's first choice."""
    people = tuple(p(i) for i in range(1, 21))
    picks = {
        next(iter(who(dispatch(Problem(DAY + timedelta(days=k), people, (Request(1, 1, 1),))))))
        for k in range(10)
    }
    assert len(picks) > 3


def test_continuity_beats_fairness() -> None:
    people = [p(1, worked=worked(10)), p(2)]
    same = Request(1, 10, 1, continuity=frozenset({1}))
    result = solve(people, same)
    assert who(result) == {1} and result.assignments[0].continuity
    assert who(solve(people, Request(1, 10, 1))) == {2}


def test_confirmed_assignments_stay() -> None:
    people = [p(1), p(2, worked=worked(20))]
    result = solve(people, Request(1, 10, 1), fixed=(Fixed(1, 2),))
    (only,) = result.assignments
    assert only.performer == 2 and only.fixed
    # A fixed performer is busy for every other request that day.
    result = solve(people, Request(1, 10, 1), Request(2, 20, 1), fixed=(Fixed(1, 2),))
    assert who(result, 2) == {1}


def test_candidate_truncation_never_costs_a_fill() -> None:
    """Many cheap generalists crowd the candidate list; riders are still found for riders."""
    people = [p(i) for i in range(1, 200)] + [
        p(1000 + i, tags=frozenset({"horse-riding"}), worked=worked(20)) for i in range(5)
    ]
    crowd = Request(1, 10, 150)
    riders = Request(2, 20, 5, Profile(tags=frozenset({"horse-riding"})))
    result = solve(people, crowd, riders)
    assert result.filled == 155 and who(result, 2) == {1000 + i for i in range(5)}


def test_first_come_takes_the_fast_responders() -> None:
    people = tuple(p(i) for i in range(1, 11))
    problem = Problem(DAY, people, (Request(1, 10, 3),))
    result = first_come(problem, [9, 8, 7, 1, 2])
    assert who(result) == {9, 8, 7}


def test_gini() -> None:
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 9]) > 0.7
    assert gini([]) == 0.0
