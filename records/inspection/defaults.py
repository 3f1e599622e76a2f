"""The shipped inspection template (R2.1, R2.2): a supervisor edits it per room afterwards.

Environment ranges of GB 50174-2017 appendix A for rooms in operation (cold aisle / inlet
18–27 °C, RH ≤ 60 %). UPS per seed 000 §4.2 (日常运行时,UPS负载应小于60%,能够提供6-8小时的
后备供电能力): load below 60 % and at least 6 hours of backup, judged in hours whatever unit
the UPS reports its runtime in (UPS-MIB minutes, APC and Eaton seconds). The template is
per room, so a room that must carry 8 hours sets its own bound. The minutes-scale limits
of an on-battery emergency belong to the alarm rule ``ups_runtime_low``, not to the sheet.
Manual items follow seed 003 (机房巡检制度) and seed 000 (接班: 检查仪器、工具等物品
是否齐全、完好, 机房是否干净整洁; 每日应对气体消防系统进行巡检; 定期检查灭火器状态).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ItemSpec:
    kind: str  # auto | manual
    code: str
    title_zh: str
    title_en: str
    device_type: str = ""
    metrics: str = ""
    op: str = ""
    low: float | None = None
    high: float | None = None
    expect: str = ""
    unit: str = ""  # the unit of low/high when it is not the metric's own (e.g. "h")


DEFAULT_SCHEDULE = "09:00"
DEFAULT_OVERDUE_HOURS = 4
ONSITE_CODE = "onsite"
UPS_BACKUP_HOURS = 6.0  # seed 000 §4.2: 6–8 hours; the room's template may ask for more

DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "auto",
        "ups_load",
        "UPS 负载率",
        "UPS load",
        "ups",
        "ups_output_load_percent,apc_ups_output_load_percent,eaton_ups_output_load_percent",
        "below",
        high=60,
    ),
    ItemSpec(
        "auto",
        "ups_runtime",
        "UPS 后备供电时间（小时）",
        "UPS backup time (hours)",
        "ups",
        "ups_battery_runtime_minutes,apc_ups_battery_runtime_seconds,"
        "eaton_ups_battery_runtime_seconds",
        "range",
        low=UPS_BACKUP_HOURS,
        unit="h",
    ),
    ItemSpec(
        "auto",
        "ups_source",
        "UPS 输出来源（市电）",
        "UPS output source (mains)",
        "ups",
        "ups_output_source",
        "text",
        expect="normal",
    ),
    ItemSpec(
        "auto",
        "ups_battery",
        "UPS 电池状态",
        "UPS battery status",
        "ups",
        "ups_battery_status",
        "text",
        expect="normal",
    ),
    ItemSpec(
        "auto",
        "temperature",
        "冷通道 / 进风温度",
        "Cold-aisle / inlet temperature",
        "sensor",
        "env_temperature_celsius",
        "range",
        low=18,
        high=27,
    ),
    ItemSpec(
        "auto",
        "humidity",
        "相对湿度",
        "Relative humidity",
        "sensor",
        "env_humidity_percent",
        "range",
        high=60,
    ),
    ItemSpec(
        "auto",
        "water_leak",
        "漏水检测",
        "Water leak sensor",
        "",
        "env_water_leak_status",
        "text",
        expect="normal",
    ),
    ItemSpec(
        "auto",
        "hw_sensors",
        "风扇 / 电源模块无故障",
        "No failed fans / power supplies",
        "",
        "entity_sensor_status",
        "text",
        expect="ok",
    ),
    ItemSpec(
        "auto",
        "links",
        "上联端口运行状态",
        "Uplink / port status",
        "switch",
        "if_oper_status",
        "text",
        expect="up",
    ),
    ItemSpec("manual", "doors", "门窗关闭完好", "Doors and windows closed and intact"),
    ItemSpec("manual", "clean", "机房干净整洁，无无关物品", "Room clean, nothing stored"),
    ItemSpec("manual", "fire_panel", "气体消防控制盘状态正常", "Gas fire-suppression panel normal"),
    ItemSpec("manual", "extinguisher", "灭火器在有效期内", "Extinguishers within their dates"),
    ItemSpec("manual", "lights", "设备指示灯正常", "Equipment indicator lights normal"),
    ItemSpec("manual", "tools", "仪器、工具齐全完好", "Instruments and tools complete"),
)

ONSITE_ITEM = ItemSpec(
    "manual", ONSITE_CODE, "现场检查告警设备", "On-site check of the alarmed device"
)
