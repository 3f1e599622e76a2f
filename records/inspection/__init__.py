"""Daily inspection (巡检, R2): templates per room, sheets opened on schedule or by an
alarm, automatic items judged from the latest readings, manual items ticked on site,
signing through the journal, history, print and export."""
