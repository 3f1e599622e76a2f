"""The compiled parts (everything else is in pyproject.toml), each with a Python twin for
where there is no compiler: agent/_ber.c (SNMP BER for GETBULK of several columns, see
agent/snmp_ber.py) and core/_slots.c (slotted instances made without __init__, see
collector/parse.py's new_sample)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # optional: without a compiler the install still succeeds, on the Python twins
        Extension("agent._ber", ["agent/_ber.c"], extra_compile_args=["-O2"], optional=True),
        Extension("core._slots", ["core/_slots.c"], extra_compile_args=["-O2"], optional=True),
    ]
)
