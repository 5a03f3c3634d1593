"""Closing the loop: follow-up cases from feedback, their SLA and escalation, and what they are worth.

* ``rules``: which feedback opens a case (admin-edited rules), with its priority, SLA and owner;
* ``owners``: who works and who escalates cases in each org unit (round robin);
* ``sla``: due times, elapsed shares and time left, on the clock or in business hours;
* ``cases``: one case, the frontline queue, and versioned (lost-update-proof) changes;
* ``escalate``: cases past a share of their SLA flagged to the unit's managers, via ``outbox``;
* ``outbox``: notifications waiting to be sent, sent by SMTP only when one is configured;
* ``initiatives``: "you said, we did": systemic fixes measured before and after;
* ``value``: contacted against late- or never-contacted detractors, SLA compliance over time;
* ``demo_cases``: the demo company's case history with a planted, recorded effect;
* ``cli``: ``python -m voc loop apply-rules | escalate``.
"""
