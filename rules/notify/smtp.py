"""The e-mail channel: one message over SMTP (smtplib), UTF-8 subject and body."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.config import NotifySettings
from rules.notify.webhook import DeliveryFailed, Message


def addresses(text: str) -> list[str]:
    return [a.strip() for a in text.replace(";", ",").split(",") if a.strip()]


# long subjects folded right after "Subject:" come out with a leading space in readers
_POLICY = policy.SMTP.clone(max_line_length=200)


def build(m: Message, sender: str, to: list[str]) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = m.subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="roomwatch")
    msg["X-Roomwatch-Notification"] = str(m.notification_id)
    msg.set_content(m.body, charset="utf-8")
    return msg


def send(m: Message, target: str, cfg: NotifySettings) -> None:
    """Send to the message's recipients, or the channel's addresses; raise DeliveryFailed."""
    to = list(m.recipients) or addresses(target)
    if not to:
        raise DeliveryFailed("no recipient: set the channel's addresses or the on-duty contacts")
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_seconds) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password)
            smtp.send_message(build(m, cfg.smtp_from, to))
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"SMTP refused: {str(exc)[:200]}") from None
    except OSError as exc:
        raise DeliveryFailed(
            f"cannot reach SMTP {cfg.smtp_host}:{cfg.smtp_port}: {exc.strerror or exc}"
        ) from None
