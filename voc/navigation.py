"""Which pages exist and who may open them (streamlit-free, so it can be tested and reused)."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("executive", "manager", "analyst", "agent", "admin")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: tuple[str, ...]
    section: str = "Insight"


PAGES = (
    PageSpec("pages/home.py", "Overview", ":material/dashboard:", ROLES),
)


def pages_for(role: str) -> list[PageSpec]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return [p for p in PAGES if role in p.roles]
