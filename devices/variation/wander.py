"""snmpsim variation module ``wander``: a gauge that moves, until someone SETs it.

Loaded by snmpsim (exec'd, not imported) from ``--variation-modules-dir``; snmpsim
injects ``moduleContext`` and, before each call, ``recordContext`` as globals.

Record syntax (``.snmprec``)::

    1.3.6.1.4.1.3854.1.2.2.1.16.1.14.1|2:wander|mid=255,amp=35,period=240,noise=3

The value is ``mid + amp * sin(2*pi*t/period) + uniform(-noise, noise)``, clamped to
``[min, max]`` when given, rounded to an integer. A SET of the same type pins the value
(the demo and tests use it to force a temperature) until the simulator restarts.
"""

import math
import random
import time

STARTED = time.time()
moduleContext: dict = {}  # replaced by snmpsim
recordContext: dict = {}  # replaced by snmpsim before every call


def init(**context):
    moduleContext["cache"] = {}


def _settings(value):
    out = {"mid": 0.0, "amp": 0.0, "period": 300.0, "noise": 0.0, "phase": 0.0}
    for item in value.split(","):
        if "=" in item:
            key, raw = item.split("=", 1)
            out[key.strip()] = float(raw)
    return out


def variate(oid, tag, value, **context):
    if not context["nextFlag"] and not context["exactMatch"]:
        return context["origOid"], tag, context["errorStatus"]

    if "settings" not in recordContext:
        recordContext["settings"] = _settings(value)

    text_oid = str(oid)
    if context["setFlag"]:
        moduleContext["cache"][text_oid] = context["origValue"]
        return oid, tag, context["origValue"]

    if text_oid in moduleContext["cache"]:
        return oid, tag, moduleContext["cache"][text_oid]

    s = recordContext["settings"]
    t = time.time() - STARTED
    v = s["mid"] + s["amp"] * math.sin(2 * math.pi * t / s["period"] + s["phase"])
    if s["noise"]:
        v += random.uniform(-s["noise"], s["noise"])
    if "min" in s:
        v = max(v, s["min"])
    if "max" in s:
        v = min(v, s["max"])
    return oid, tag, round(v)


def shutdown(**context):
    pass
