"""Exports: CSV for spreadsheets, iCalendar feeds for calendar programs."""
