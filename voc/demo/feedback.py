"""Feedback of one month: surveys, reviews, social posts and support transcripts.

Solicited surveys follow delivered orders (NPS, often CSAT) and contacts (CES,
CSAT); each segment answers at its own rate. Transcripts (chat, call, email,
ticket) come from contacts, reviews and social posts from active customers, with
extra social posts during the delivery crisis and the checkout outage. Every row
is scored from the customer's latent satisfaction minus what went wrong (see
voc.demo.experience), so NPS, ratings, sentiment and themes agree with the orders
and contacts they refer to. Rows are plain numpy columns (see ``FIELDS``).
"""
from __future__ import annotations

import numpy as np

from voc.demo import company as co
from voc.demo import experience as xp
from voc.demo import text
from voc.demo.activity import REASON_THEME, WAIT_MEDIAN, Contacts, Orders, event_times
from voc.demo.population import Active, Population

SOURCES = ("survey", "review", "social", "ticket", "chat", "call", "email")
SURVEY, REVIEW, SOCIAL, TICKET, CHAT, CALL, EMAIL = range(len(SOURCES))
CHANNELS = ("email", "app", "sms", "web", "phone", "chat", "social")
TOUCHPOINTS = ("post_delivery_survey", "post_contact_survey", "call_center", "live_chat", "support_inbox",
               "help_center", "app_store", "product_page", "review_site", "twitter", "facebook", "reddit",
               "weibo", "xiaohongshu", "wechat")
NO_INTERACTION, ORDER, CONTACT = range(3)
CH = {name: i for i, name in enumerate(CHANNELS)}
TP = {name: i for i, name in enumerate(TOUCHPOINTS)}

# name: (dtype, value when absent)
FIELDS = {
    "cust": (np.int64, -1), "unit": (np.int8, 0), "seg": (np.int8, -1), "source": (np.int8, 0),
    "channel": (np.int8, -1), "touch": (np.int8, -1), "stage": (np.int8, -1), "ikind": (np.int8, NO_INTERACTION),
    "iseq": (np.int64, -1), "ts": (np.int64, 0), "lang": (np.int8, 0), "nps": (np.int8, -1),
    "csat": (np.int8, -1), "ces": (np.int8, -1), "rating": (np.int8, -1), "sentiment": (np.float64, np.nan),
    "tone": (np.int8, 0), "t1": (np.int8, -1), "t2": (np.int8, -1), "style": (np.int8, -1), "pii": (bool, False),
}
LATE_RESPONSE_BOOST = 1.5  # customers whose parcel was late answer the survey more often
_ORDER_COMMENT = (0.60, 0.45)  # comment rate of detractors, others
_CONTACT_COMMENT = 0.45
_TRANSCRIPT_SHARE = 0.5  # contacts with a stored transcript
_TICKET_SHARE = 0.4  # emailed contacts filed through the help-centre form
REVIEWS_PER_MONTH = 0.02
SOCIAL_PER_MONTH = 0.006
_CRISIS_POST, _OUTAGE_POST, _ANONYMOUS = 0.06, 0.25, 0.4
# By contact channel (phone, chat, email): transcript source, style, channel, touchpoint; survey channel.
_TRANSCRIPT = np.array([[CALL, text.CALL, CH["phone"], TP["call_center"]],
                        [CHAT, text.CHAT, CH["chat"], TP["live_chat"]],
                        [EMAIL, text.EMAIL, CH["email"], TP["support_inbox"]]])
_TICKET = np.array([TICKET, text.TICKET, CH["web"], TP["help_center"]])
_SURVEY_CHANNEL = np.array([CH["sms"], CH["chat"], CH["email"]])
_REASON_STAGE = np.array([xp.DELIVERY, xp.DELIVERY, xp.DELIVERY, xp.BILLING_STAGE, xp.BILLING_STAGE,  # by CONTACT_REASONS
                          xp.RENEWAL, xp.PURCHASE, xp.PURCHASE, xp.PURCHASE, xp.PURCHASE])
_SOCIAL_TOUCH = np.array([[TP["twitter"], TP["facebook"], TP["reddit"]],  # by IS_CHINA
                          [TP["weibo"], TP["xiaohongshu"], TP["wechat"]]])


def _frame(n: int, **cols) -> dict[str, np.ndarray]:
    frame = {}
    for name, (dtype, absent) in FIELDS.items():
        frame[name] = np.full(n, absent, dtype)
        if name in cols:
            frame[name][:] = cols.pop(name)
    if cols:
        raise TypeError(f"unknown feedback fields {sorted(cols)}")
    return frame


def _verbatim(rng, f, has_text, score, experience, positives, style, steepness=1.4) -> None:
    """Sentiment, themes and text style of the rows that have a verbatim."""
    r = np.flatnonzero(has_text)
    value, tone = xp.sentiment(rng, score[r], steepness)
    f["t1"][r], f["t2"][r] = xp.themes(rng, experience[r], positives[r], tone)
    f["sentiment"][r], f["tone"][r] = value, tone
    f["style"][r] = style[r] if np.ndim(style) else style
    f["pii"][r] = (f["cust"][r] >= 0) & (rng.random(r.size) < text.PII_SHARE)


def _positives(n, fast=0.0, friendly=0.0, value=1.0, love=1.5) -> np.ndarray:
    return np.column_stack([np.broadcast_to(w, (n,)) for w in (fast, friendly, value, love)]).astype(float)


def order_surveys(rng, pop: Population, o: Orders, cal: co.Calendar) -> dict:
    """NPS (always), CSAT (often) and sometimes a comment after a delivered order."""
    rate = co.SURVEY_RESPONSE[o.seg] * np.where(o.late, LATE_RESPONSE_BOOST, 1.0)
    i = np.flatnonzero((o.delivered >= 0) & (rng.random(o.seq.size) < rate))
    ts = o.delivered[i] + rng.exponential(20 * 3600, i.size).astype(np.int64)
    i, ts = i[ts < cal.end_seconds], ts[ts < cal.end_seconds]
    n, cust, unit, seg = i.size, o.cust[i], o.unit[i], o.seg[i]
    z, day = pop.z[cust], o.ordered[i] // co.DAY
    exp = xp.issues(n)
    exp[:, co.LATE], exp[:, co.DAMAGED], exp[:, co.APP] = o.late[i], o.damaged[i], o.app_issue[i]
    exp[:, co.PRICE] = rng.random(n) < cal.price_mention_rate(seg, unit, day)
    exp[:, co.QUALITY] = rng.random(n) < 0.05 * np.exp(-0.4 * z)
    days_late = np.where(o.late[i], (o.delivered[i] - o.promised[i]) / co.DAY, 0.0)
    latent = co.NPS_BASE[unit] + 1.8 * z + rng.normal(0, 1.4, n) - xp.score_drop(exp, days_late)
    nps = np.clip(np.rint(latent), 0, 10)
    csat = np.where(rng.random(n) < 0.7, np.clip(np.rint(1 + 0.4 * latent + rng.normal(0, 0.5, n)), 1, 5), -1)
    f = _frame(n, cust=cust, unit=unit, seg=seg, source=SURVEY,
               channel=np.where(rng.random(n) < 0.6, CH["email"], CH["app"]), touch=TP["post_delivery_survey"],
               stage=xp.DELIVERY, ikind=ORDER, iseq=o.seq[i], ts=ts, lang=pop.lang[cust], nps=nps, csat=csat)
    has_text = rng.random(n) < np.where(nps <= 6, *_ORDER_COMMENT)
    _verbatim(rng, f, has_text, (nps - 7) / 3, exp, _positives(n, fast=2.0 * o.early[i]), text.COMMENT)
    return f


def _contact_experience(k: Contacts, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    exp = xp.issues(i.size)
    theme = REASON_THEME[k.reason[i]]
    rows = np.flatnonzero(theme >= 0)
    exp[rows, theme[rows]] = True
    exp[:, co.WAIT] = k.wait[i] > 2.5 * WAIT_MEDIAN[k.channel[i]]
    exp[:, co.RESOLUTION] = ~k.fcr[i]
    return exp, _positives(i.size, friendly=2.0 * k.fcr[i], value=0.3, love=0.3)


def contact_surveys(rng, pop: Population, k: Contacts, cal: co.Calendar) -> dict:
    """CES (1-7, higher is more effort) and CSAT after a support contact."""
    i = np.flatnonzero(rng.random(k.seq.size) < co.SURVEY_RESPONSE[k.seg])
    ts = k.started[i] + k.wait[i] + k.handle[i] + rng.exponential(4 * 3600, i.size).astype(np.int64)
    i, ts = i[ts < cal.end_seconds], ts[ts < cal.end_seconds]
    n, cust = i.size, k.cust[i]
    z = pop.z[cust] - co.SAT_CHURN
    exp, positives = _contact_experience(k, i)
    wait = np.clip(np.log(k.wait[i] / WAIT_MEDIAN[k.channel[i]]), -1, 3)
    shift = np.choose(k.outage_phase[i], [0.0, *co.OUTAGE_CES_SHIFT])
    effort = 2.2 + 1.8 * ~k.fcr[i] + 0.7 * wait + shift - 0.35 * z + rng.normal(0, 0.7, n)
    satisfaction = 4.7 - 0.55 * (effort - 2) + 0.3 * z + rng.normal(0, 0.5, n)
    f = _frame(n, cust=cust, unit=k.unit[i], seg=k.seg[i], source=SURVEY, channel=_SURVEY_CHANNEL[k.channel[i]],
               touch=TP["post_contact_survey"], stage=xp.SUPPORT, ikind=CONTACT, iseq=k.seq[i], ts=ts,
               lang=pop.lang[cust],
               ces=np.clip(np.rint(effort), 1, 7), csat=np.clip(np.rint(satisfaction), 1, 5))
    _verbatim(rng, f, rng.random(n) < _CONTACT_COMMENT, (satisfaction - 3.3) / 1.5, exp, positives, text.COMMENT)
    return f


def transcripts(rng, pop: Population, k: Contacts) -> dict:
    """Chat and call transcripts, support emails and help-centre tickets."""
    i = np.flatnonzero(rng.random(k.seq.size) < _TRANSCRIPT_SHARE)
    n, cust, channel = i.size, k.cust[i], k.channel[i]
    kind = _TRANSCRIPT[channel]
    ticket = (channel == 2) & (rng.random(n) < _TICKET_SHARE)
    kind[ticket] = _TICKET
    tenure = k.started[i] // co.DAY - pop.signup[cust]
    stage = _REASON_STAGE[k.reason[i]]
    stage = np.where(stage == xp.RENEWAL, np.where(tenure < xp.NEW_CUSTOMER_DAYS, xp.ONBOARDING, xp.RENEWAL), stage)
    exp, positives = _contact_experience(k, i)
    live = channel < 2  # calls and chats are stored once the customer is through the queue
    f = _frame(n, cust=cust, unit=k.unit[i], seg=k.seg[i], source=kind[:, 0], channel=kind[:, 2],
               touch=kind[:, 3], stage=np.where(ticket, stage, xp.SUPPORT), ikind=CONTACT, iseq=k.seq[i],
               ts=k.started[i] + np.where(live, k.wait[i], 0), lang=pop.lang[cust])
    score = 0.35 + 0.3 * (pop.z[cust] - co.SAT_CHURN) - 0.45 * exp.sum(axis=1) + rng.normal(0, 0.3, n)
    _verbatim(rng, f, np.ones(n, bool), score, exp, positives, kind[:, 1])
    return f


def _month_flags(pop: Population, o: Orders) -> tuple[np.ndarray, np.ndarray]:
    late, damaged = np.zeros(len(pop), bool), np.zeros(len(pop), bool)
    late[o.cust[o.late]] = True
    damaged[o.cust[o.damaged]] = True
    return late, damaged


def _everyday_experience(rng, pop, cust, ts, cal, late_m, damaged_m) -> np.ndarray:
    """Issues behind a review or social post: this month's orders plus the usual background."""
    n, unit, seg, day = cust.size, pop.unit[cust], pop.seg[cust], ts // co.DAY
    exp = xp.issues(n)
    exp[:, co.LATE] = late_m[cust] & (rng.random(n) < 0.7)
    exp[:, co.DAMAGED] = damaged_m[cust] & (rng.random(n) < 0.7)
    exp[:, co.PRICE] = rng.random(n) < cal.price_mention_rate(seg, unit, day)
    exp[:, co.APP] = rng.random(n) < cal.app_issue_rate(unit, day)
    exp[:, co.QUALITY] = rng.random(n) < 0.08 * np.exp(-0.4 * pop.z[cust])
    exp[:, co.BILLING] = rng.random(n) < 0.02
    return exp


def _posting(rng, pop: Population, act: Active, per_month: float) -> tuple[np.ndarray, np.ndarray]:
    rate = per_month * co.PUBLIC_VOICE[pop.seg[act.idx]]
    count = rng.poisson(rate * act.days / co.DAYS_PER_MONTH)
    return np.repeat(act.idx, count), event_times(rng, np.repeat(act.start, count), np.repeat(act.stop, count))


def reviews(rng, pop: Population, act: Active, o: Orders, cal: co.Calendar) -> dict:
    """Star-rated reviews on the app stores, product pages and review sites."""
    cust, ts = _posting(rng, pop, act, REVIEWS_PER_MONTH)
    n, z = cust.size, pop.z[cust] - co.SAT_CHURN
    late_m, damaged_m = _month_flags(pop, o)
    exp = _everyday_experience(rng, pop, cust, ts, cal, late_m, damaged_m)
    latent = 4.1 + 0.9 * z + rng.normal(0, 0.8, n) - xp.score_drop(exp) / 2.5
    app = rng.random(n) < 0.5
    touch = np.where(app, TP["app_store"], np.where(rng.random(n) < 0.6, TP["product_page"], TP["review_site"]))
    f = _frame(n, cust=cust, unit=pop.unit[cust], seg=pop.seg[cust], source=REVIEW,
               channel=np.where(app, CH["app"], CH["web"]),
               touch=touch, ts=ts, lang=pop.lang[cust], rating=np.clip(np.rint(latent), 1, 5))
    _verbatim(rng, f, np.ones(n, bool), (latent - 3.3) / 1.6, exp, _positives(n, fast=1.0 * ~late_m[cust]),
              text.COMMENT)
    f["stage"] = xp.stage_of(rng, f["t1"], ts // co.DAY - pop.signup[cust])
    return f


def social(rng, pop: Population, act: Active, o: Orders, k: Contacts, cal: co.Calendar) -> dict:
    """Public posts: a background rate plus bursts about the delivery crisis and the outage."""
    cust, ts = _posting(rng, pop, act, SOCIAL_PER_MONTH)
    in_crisis = o.late & cal.in_crisis(o.unit, o.ordered // co.DAY)
    crisis = np.flatnonzero(in_crisis & (rng.random(o.seq.size) < _CRISIS_POST))
    outage = np.flatnonzero((k.outage_phase == 1) & (rng.random(k.seq.size) < _OUTAGE_POST))
    crisis_ts = o.promised[crisis] + (rng.random(crisis.size) * 1.5 * co.DAY).astype(np.int64)
    outage_ts = k.started[outage] + rng.integers(0, 6 * 3600, outage.size)
    cause = np.repeat([0, 1, 2], [cust.size, crisis.size, outage.size])
    cust = np.concatenate([cust, o.cust[crisis], k.cust[outage]])
    ts = np.concatenate([ts, crisis_ts, outage_ts])
    n, z = cust.size, pop.z[cust] - co.SAT_CHURN
    exp = _everyday_experience(rng, pop, cust, ts, cal, *_month_flags(pop, o))
    exp[cause == 1, co.LATE] = True
    exp[cause == 2, co.OUTAGE] = True
    anonymous = rng.random(n) < _ANONYMOUS
    unit = pop.unit[cust]
    f = _frame(n, cust=np.where(anonymous, -1, cust), unit=unit, seg=np.where(anonymous, -1, pop.seg[cust]),
               source=SOCIAL, channel=CH["social"],
               touch=_SOCIAL_TOUCH[co.IS_CHINA[unit].astype(int), rng.integers(0, 3, n)],
               ts=ts, lang=pop.lang[cust])
    score = 0.25 + 0.45 * z - 0.6 * exp.sum(axis=1) + rng.normal(0, 0.4, n)
    _verbatim(rng, f, np.ones(n, bool), score, exp, _positives(n, fast=0.5), text.SOCIAL, steepness=1.8)
    f["stage"] = xp.stage_of(rng, f["t1"], ts // co.DAY - pop.signup[cust])
    return f


def month(rng, pop: Population, act: Active, o: Orders, k: Contacts, cal: co.Calendar) -> dict:
    """All feedback caused by one month's activity, in time order."""
    frames = [order_surveys(rng, pop, o, cal), contact_surveys(rng, pop, k, cal), transcripts(rng, pop, k),
              reviews(rng, pop, act, o, cal), social(rng, pop, act, o, k, cal)]
    f = {name: np.concatenate([fr[name] for fr in frames]) for name in FIELDS}
    order = np.argsort(f["ts"], kind="stable")
    order = order[f["ts"][order] < cal.end_seconds]
    return {name: col[order] for name, col in f.items()}
