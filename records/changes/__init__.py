"""Change approvals (变更审批, R6): requests, review, implementation, verification, closure.

``states`` is the pure state machine, ``conflicts`` and ``calendar`` pure helpers,
``form`` the validation of a request; ``service`` and ``queries`` work on a Session.
"""
