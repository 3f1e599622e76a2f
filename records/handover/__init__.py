"""Shift handover (交接班) and the supervisor's day review (issue 5, R4.2-R4.4)."""
