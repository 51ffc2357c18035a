"""The pages' words: one way of writing a date and a rank per language, English plurals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.web.i18n import MESSAGES, Translator

zh, en = Translator("zh"), Translator("en")
THU = date(2026, 12, 3)


def test_one_date_format_per_language() -> None:
    """Whole, short, with its weekday, with a time: always the same way of writing a date."""
    at = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert (zh.ymd(THU), zh.short(THU), zh.day(THU)) == ("2026年12月3日", "12月3日", "12月3日 周四")
    assert zh.instant(at) == "2026年12月3日 10:00"
    assert (en.ymd(THU), en.short(THU), en.day(THU)) == ("3 Dec 2026", "3 Dec", "Thu 3 Dec")
    assert en.instant(at) == "3 Dec 2026 10:00"
    assert en.span(THU, date(2026, 12, 6)) == "3 Dec 2026 – 5 Dec 2026"
    assert zh.date_text("2026-12-03") == "2026年12月3日" and en.date_text("soon") == "soon"


def test_english_counts_agree_with_their_number() -> None:
    assert [en.count(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert en.count(1, "active_hold") == "1 active hold" and en.count(1, "crew") == "1 crew"
    assert [en.page_count(e) for e in (3, 8, 11, 16)] == [
        "3/8 page",
        "1 page",
        "1 3/8 pages",
        "2 pages",
    ]
    assert zh.count(1, "day") == "1 天" and zh.count(3, "scene") == "3 场"
    assert zh.page_count(11) == "1 3/8 页"
    # Every counted word has both forms in both languages.
    units = {k.removesuffix(".other") for k in MESSAGES if k.startswith("unit.")}
    assert all(f"{u}.other" in MESSAGES for u in units)
    assert not [k for k, (text, _) in MESSAGES.items() if "(s)" in text]


def test_ranks_are_written_one_way_in_chinese() -> None:
    """第1意向, as the rank badges write it: never 第一意向 beside 第2意向."""
    assert zh.ordinal_hold(1) == "第1意向" and zh.ordinal_hold(2) == "第2意向"
    assert zh("state.hold1") == zh.ordinal_hold(1)
    assert not [k for k, (_, text) in MESSAGES.items() if "第一意向" in text]
    assert en("state.hold1") == en.ordinal_hold(1) == "1st hold"


def test_set_kinds_are_named_for_what_they_are() -> None:
    """A backlot set may be a palace hall inside: 实景 (built for good), not 外景街区."""
    assert zh("find.kind.backlot") == "实景" and zh("find.kind.stage") == "摄影棚"
    assert not [k for k, (_, text) in MESSAGES.items() if "外景街区" in text]
