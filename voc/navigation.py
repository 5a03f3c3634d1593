"""Which pages exist and who may open them (streamlit-free, so it can be tested and reused)."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("executive", "manager", "analyst", "agent", "admin")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: tuple[str, ...]  # the first page a role may open is its home
    section: str = "Insight"


PAGES = (
    PageSpec("pages/executive_summary.py", "Executive summary", ":material/insights:",
             ("executive", "analyst", "admin")),
    PageSpec("pages/unit_view.py", "Region view", ":material/location_city:",
             ("manager", "executive", "analyst")),
    PageSpec("pages/drivers.py", "Drivers", ":material/troubleshoot:", ("executive", "manager", "analyst")),
    PageSpec("pages/voice_explorer.py", "Voice explorer", ":material/forum:",
             ("analyst", "executive", "manager", "agent")),
    PageSpec("pages/listening_audit.py", "Listening audit", ":material/hearing:",
             ("analyst", "executive", "admin"), section="Programme"),
    PageSpec("pages/follow_up_queue.py", "Follow-up queue", ":material/support_agent:",
             ("agent", "manager", "admin"), section="Follow-up"),
    PageSpec("pages/overdue_cases.py", "Overdue cases", ":material/assignment_late:",
             ("manager", "executive", "analyst", "admin"), section="Follow-up"),
    PageSpec("pages/initiatives.py", "You said, we did", ":material/campaign:",
             ("analyst", "executive", "manager"), section="Follow-up"),
    PageSpec("pages/case_rules.py", "Case rules", ":material/rule:", ("admin",), section="Follow-up"),
    PageSpec("pages/data_import.py", "Data import", ":material/upload_file:", ("admin",), section="Programme"),
    PageSpec("pages/admin_users.py", "Users", ":material/group:", ("admin",), section="Admin"),
    PageSpec("pages/audit_log.py", "Audit log", ":material/policy:", ("admin",), section="Admin"),
    PageSpec("pages/stories.py", "Stories", ":material/auto_stories:", ROLES, section="Stories"),
    PageSpec("pages/story_studio.py", "Story studio", ":material/edit_note:", ("analyst", "admin"), section="Stories"),
)

# A page's home order per role: the role's home first.
HOME = {"executive": "pages/executive_summary.py", "manager": "pages/unit_view.py",
        "analyst": "pages/executive_summary.py", "agent": "pages/follow_up_queue.py",
        "admin": "pages/executive_summary.py"}


def pages_for(role: str) -> list[PageSpec]:
    """The pages ``role`` may open, its home first."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    allowed = [p for p in PAGES if role in p.roles]
    return sorted(allowed, key=lambda p: p.path != HOME[role])


def sections_for(role: str) -> list[tuple[str, list[PageSpec]]]:
    sections: dict[str, list[PageSpec]] = {}
    for page in pages_for(role):
        sections.setdefault(page.section, []).append(page)
    return list(sections.items())


def may_open(role: str, path: str) -> bool:
    return any(p.path == path for p in pages_for(role))
