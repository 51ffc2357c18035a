"""Sunrise and sunset at a place on a date: NOAA's solar calculator, as a pure function.

The equations are those of NOAA's Global Monitoring Laboratory spreadsheet (after Jean
Meeus, *Astronomical Algorithms*): accurate to about a minute between latitudes ±72°,
plenty for a call sheet. Written out here (some forty lines) rather than taking a package
for it: nothing else in Backlot needs astronomy. The sun rises and sets when its centre is
0.833° below the horizon (refraction and the sun's radius).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZENITH = 90.833  # degrees: official sunrise and sunset


@dataclass(frozen=True)
class SunTimes:
    """Local times of sunrise and sunset; None in polar day or night."""

    sunrise: datetime | None
    sunset: datetime | None


def _julian_century(day: date, minutes_utc: float) -> float:
    julian_day = day.toordinal() + 1721424.5 + minutes_utc / 1440.0
    return (julian_day - 2451545.0) / 36525.0


def _declination_and_equation_of_time(t: float) -> tuple[float, float]:
    """The sun's declination (degrees) and the equation of time (minutes) at century ``t``."""
    mean_long = (280.46646 + t * (36000.76983 + t * 0.0003032)) % 360
    mean_anom = 357.52911 + t * (35999.05029 - 0.0001537 * t)
    ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    m = math.radians(mean_anom)
    centre = (
        math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(2 * m) * (0.019993 - 0.000101 * t)
        + math.sin(3 * m) * 0.000289
    )
    true_long = mean_long + centre
    omega = math.radians(125.04 - 1934.136 * t)
    app_long = true_long - 0.00569 - 0.00478 * math.sin(omega)
    mean_obliq = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    obliq = math.radians(mean_obliq + 0.00256 * math.cos(omega))
    declination = math.degrees(math.asin(math.sin(obliq) * math.sin(math.radians(app_long))))
    y = math.tan(obliq / 2) ** 2
    l0 = math.radians(mean_long)
    eq_time = 4 * math.degrees(
        y * math.sin(2 * l0)
        - 2 * ecc * math.sin(m)
        + 4 * ecc * y * math.sin(m) * math.cos(2 * l0)
        - 0.5 * y * y * math.sin(4 * l0)
        - 1.25 * ecc * ecc * math.sin(2 * m)
    )
    return declination, eq_time


def _event_minutes_utc(day: date, lat: float, lon: float, rising: bool) -> float | None:
    """Minutes after 00:00 UTC of ``day`` at which the sun rises (or sets); two passes, the
    second with the sun's position at the first estimate."""
    estimate = 720 - 4 * lon  # solar noon, roughly
    for _ in range(2):
        declination, eq_time = _declination_and_equation_of_time(_julian_century(day, estimate))
        phi, delta = math.radians(lat), math.radians(declination)
        cos_h = math.cos(math.radians(ZENITH)) / (math.cos(phi) * math.cos(delta)) - math.tan(
            phi
        ) * math.tan(delta)
        if not -1 <= cos_h <= 1:
            return None
        hour_angle = math.degrees(math.acos(cos_h))
        noon = 720 - 4 * lon - eq_time
        estimate = noon - 4 * hour_angle if rising else noon + 4 * hour_angle
    return estimate


def sun_times(day: date, lat: float, lon: float, zone: ZoneInfo) -> SunTimes:
    """Sunrise and sunset on local date ``day`` at latitude ``lat``, longitude ``lon`` (east
    positive), as aware datetimes in ``zone``."""
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    utc_day = (midnight + timedelta(hours=12)).astimezone(ZoneInfo("UTC")).date()

    def local(rising: bool) -> datetime | None:
        minutes = _event_minutes_utc(utc_day, lat, lon, rising)
        if minutes is None:
            return None
        instant = datetime.combine(utc_day, time(0), tzinfo=ZoneInfo("UTC")) + timedelta(
            minutes=minutes
        )
        found = instant.astimezone(zone)
        # Far from Greenwich the local day and the UTC day differ: step a day when needed.
        if found.date() != day:
            shift = 1 if found.date() < day else -1
            again = _event_minutes_utc(utc_day + timedelta(days=shift), lat, lon, rising)
            if again is None:
                return None
            base = datetime.combine(
                utc_day + timedelta(days=shift), time(0), tzinfo=ZoneInfo("UTC")
            )
            found = (base + timedelta(minutes=again)).astimezone(zone)
        return found

    return SunTimes(sunrise=local(True), sunset=local(False))
