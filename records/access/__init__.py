"""Machine-room access log (机房出入登记, R5): registrations, approvals, items, construction.

Pure parts: :mod:`states` (the state machine), :mod:`identity` (ID numbers masked and
hashed), :mod:`stay` (overstays), :mod:`forms` (field validation). Services over a session:
:mod:`service` (entries and items), :mod:`works` (施工申请单 and daily sign-off),
:mod:`search` (history), :mod:`carryover` (the handover's visitors), :mod:`demo`.
"""
