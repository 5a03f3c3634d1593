"""Notifications waiting to be sent (table ``outbox``), sent by SMTP only when one is configured.

Writers (escalation, "you said, we did" updates) ``enqueue`` a message inside their own
transaction, so a notification exists exactly when the change that caused it was committed.
Each message has a ``dedupe_key`` (say ``overdue:CS-1:manager``): queuing it twice keeps one.

``send_pending`` sends pending messages that have an address through the SMTP server named by
``VOC_SMTP_HOST`` (with ``VOC_SMTP_PORT``, ``VOC_SMTP_FROM``, ``VOC_SMTP_USER`` /
``VOC_SMTP_PASSWORD`` and ``VOC_SMTP_STARTTLS=1`` when needed). Without ``VOC_SMTP_HOST``
nothing is sent and messages stay pending, to be read from the table (or another sender).
A message that fails ``MAX_ATTEMPTS`` times is marked failed with the error.
"""
from __future__ import annotations

import datetime as dt
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import pandas as pd

from voc import audit_log, queries
from voc import db as dbmod

MAX_ATTEMPTS = 5
KINDS = ("at_risk", "overdue", "customer_update")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    sender: str = "voc@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 20.0


def smtp_settings(environ=None) -> SmtpSettings | None:
    """The SMTP server from the environment, or None when none is configured."""
    env = os.environ if environ is None else environ
    host = (env.get("VOC_SMTP_HOST") or "").strip()
    if not host:
        return None
    return SmtpSettings(host, int(env.get("VOC_SMTP_PORT") or 587), env.get("VOC_SMTP_FROM") or "voc@localhost",
                        env.get("VOC_SMTP_USER") or None, env.get("VOC_SMTP_PASSWORD") or None,
                        (env.get("VOC_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"))


def enqueue(cur, kind: str, dedupe_key: str, recipient: str, address: str | None, subject: str, body: str,
            *, case_id: str | None = None, at: dt.datetime | None = None) -> bool:
    """Queue one message inside the caller's transaction; False when its key was queued before."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    done = cur.execute(
        "insert into outbox (created_at, kind, dedupe_key, recipient, address, subject, body, case_id) "
        "values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (dedupe_key) do nothing returning message_id",
        [at or audit_log.now(), kind, dedupe_key[:300], recipient[:200], address, subject[:300], body[:20_000],
         case_id]).fetchall()
    return bool(done)


def messages(*, status: str | None = None, database=None) -> pd.DataFrame:
    """The latest messages (at most 500), newest first, optionally of one status."""
    return queries.run("outbox_by_message", {"status": status}, database=database)


def _mark(database, updates: list[tuple], actor) -> None:
    with database.write() as cur:
        for message_id, status, attempts, sent_at, error in updates:
            cur.execute("update outbox set status = ?, attempts = ?, sent_at = ?, error = ? where message_id = ?",
                        [status, attempts, sent_at, error, message_id])
        sent = sum(1 for u in updates if u[1] == "sent")
        audit_log.record(cur, actor, "outbox_sent", None,
                         {"sent": sent, "failed": sum(1 for u in updates if u[1] == "failed"),
                          "retrying": sum(1 for u in updates if u[1] == "pending")})


def send_pending(database: dbmod.Database | None = None, settings: SmtpSettings | None = None, *,
                 actor="system:outbox", limit: int = 200) -> dict:
    """Send pending messages if SMTP is configured; return counts (nothing happens without SMTP)."""
    database = database or dbmod.get()
    settings = settings or smtp_settings()
    waiting = messages(status="pending", database=database).head(limit)
    if settings is None or waiting.empty:
        return {"configured": settings is not None, "sent": 0, "failed": 0, "pending": len(waiting)}
    updates = []
    try:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except OSError as exc:
        updates = [_failure(r, f"cannot reach {settings.host}:{settings.port}: {exc}") for r in waiting.itertuples()]
        _mark(database, updates, actor)
        return {"configured": True, "sent": 0, "failed": sum(u[1] == "failed" for u in updates),
                "pending": sum(u[1] == "pending" for u in updates)}
    with server:
        if settings.starttls:
            server.starttls()
        if settings.user:
            server.login(settings.user, settings.password or "")
        for r in waiting.itertuples():
            if not isinstance(r.address, str) or not r.address:
                updates.append((r.message_id, "failed", int(r.attempts) + 1, None, "no e-mail address"))
                continue
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = settings.sender, r.address, r.subject
            message.set_content(r.body)
            try:
                server.send_message(message)
                updates.append((r.message_id, "sent", int(r.attempts) + 1, audit_log.now(), None))
            except smtplib.SMTPException as exc:
                updates.append(_failure(r, str(exc)))
    _mark(database, updates, actor)
    return {"configured": True, "sent": sum(u[1] == "sent" for u in updates),
            "failed": sum(u[1] == "failed" for u in updates), "pending": sum(u[1] == "pending" for u in updates)}


def _failure(r, error: str) -> tuple:
    attempts = int(r.attempts) + 1
    return (r.message_id, "failed" if attempts >= MAX_ATTEMPTS else "pending", attempts, None, error[:500])
