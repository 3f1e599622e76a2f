"""SNMP failures as distinct kinds, each with a one-line message (Chinese first, English
second) that names the cause and the fix. Both SNMP backends raise these; the poller
records ``kind`` in the device's ``device_up`` sample."""

from __future__ import annotations

from core.errors import RoomwatchError


class SnmpError(RoomwatchError):
    """The agent answered with an error, or the request could not be made."""

    kind = "snmp_error"
    zh = "SNMP 错误"
    fix = ""

    def __init__(self, where: str, detail: str = "") -> None:
        self.where = where
        self.detail = detail
        text = f"{self.zh} {self.kind}: {where}"
        if detail:
            text += f": {detail}"
        if self.fix:
            text += f" — {self.fix}"
        super().__init__(text)

    @property
    def reason(self) -> str:
        """Short and plain, for a ``device_up`` sample: "kind: detail (中文)"."""
        return f"{self.kind}: {self.detail or self.where} ({self.zh})"


class SnmpTimeout(SnmpError):
    """No answer within timeout x (retries + 1)."""

    kind = "timeout"
    zh = "超时无应答"
    fix = "check address, port, community/user and firewall 检查地址、端口、团体名和防火墙"


class SnmpRefused(SnmpError):
    """The host answered ICMP port unreachable: nothing listens on that UDP port."""

    kind = "refused"
    zh = "端口不可达"
    fix = "no SNMP agent on this port: check the port and that snmpd runs 检查端口与代理进程"


class SnmpAuthFailure(SnmpError):
    """SNMPv3: the agent rejected the message digest (wrong auth key or protocol)."""

    kind = "auth_failure"
    zh = "认证失败"
    fix = "wrong auth key or auth protocol for this user 检查认证密码与认证算法"


class SnmpUnknownUser(SnmpError):
    """SNMPv3: the agent has no such USM user."""

    kind = "unknown_user"
    zh = "用户不存在"
    fix = "create the user on the device or fix the user name 在设备上创建该用户或更正用户名"


class SnmpPrivacyFailure(SnmpError):
    """SNMPv3: the agent could not decrypt (wrong privacy key or protocol)."""

    kind = "privacy_failure"
    zh = "解密失败"
    fix = "wrong privacy key or privacy protocol 检查加密密码与加密算法"


class SnmpNotInTimeWindow(SnmpError):
    """SNMPv3: engine boots/time out of the window (clock, reboot, duplicate engine ID)."""

    kind = "not_in_time_window"
    zh = "不在时间窗口内"
    fix = (
        "engine boots/time mismatch: duplicate engine ID or boots at maximum; "
        "give the device a unique engine ID 检查引擎ID是否重复"
    )


class SnmpSecurityLevel(SnmpError):
    """SNMPv3: the user is not allowed at the requested security level."""

    kind = "security_level"
    zh = "安全级别不符"
    fix = "use the security level the user is configured for (auth/priv) 检查安全级别"


class SnmpNoSuchObject(SnmpError):
    """The agent does not implement the object (noSuchObject)."""

    kind = "no_such_object"
    zh = "对象不存在"
    fix = "the device does not implement this OID: check the profile 检查设备配置文件"


class SnmpNoSuchInstance(SnmpError):
    """The object exists but not this instance (noSuchInstance)."""

    kind = "no_such_instance"
    zh = "实例不存在"
    fix = "the OID's instance (index) is absent on this device 检查索引"


class SnmpAgentError(SnmpError):
    """The agent answered with an error-status (genErr, noAccess, tooBig after splitting...)."""

    kind = "agent_error"
    zh = "设备返回错误"


class SnmpBadResponse(SnmpError):
    """A response that cannot be decoded or makes no sense (malformed, wrong request id)."""

    kind = "bad_response"
    zh = "应答报文异常"
    fix = "the agent sent a malformed reply; update its firmware or use GETNEXT 设备应答异常"


class SnmpLoop(SnmpError):
    """The agent returned a non-increasing OID during a walk."""

    kind = "oid_not_increasing"
    zh = "OID 未递增"
    fix = "the agent loops in GETNEXT/GETBULK; walk stopped 设备遍历出现循环，已停止"


class SnmpTableTooBig(SnmpError):
    """A walk reached the row cap before the end of the table."""

    kind = "table_too_big"
    zh = "表过大"
    fix = "raise the walk's max rows or narrow the profile 提高上限或缩小采集范围"


class SnmpConfigError(SnmpError):
    """The credentials or options cannot work (unknown protocol, missing key...)."""

    kind = "config"
    zh = "配置错误"


ERROR_KINDS: tuple[type[SnmpError], ...] = (
    SnmpTimeout,
    SnmpRefused,
    SnmpAuthFailure,
    SnmpUnknownUser,
    SnmpPrivacyFailure,
    SnmpNotInTimeWindow,
    SnmpSecurityLevel,
    SnmpNoSuchObject,
    SnmpNoSuchInstance,
    SnmpAgentError,
    SnmpBadResponse,
    SnmpLoop,
    SnmpTableTooBig,
    SnmpConfigError,
)
