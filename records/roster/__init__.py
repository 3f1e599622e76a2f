"""The duty roster (排班表, R4.1): shift patterns, monthly rosters, swaps, who is on duty."""
