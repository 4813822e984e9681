"""A lead's page says whose lead it is when it is not yours, and when and why it closed."""

from __future__ import annotations

from sqlmodel import select

from leadtui.screens import loaders
from leadtui.store.tables import LeadRow
from leadtui.workspace import Workspace
from tests.tui.conftest import FrozenClock
from widgets.lead_detail_view import header_text


def _lead(ws: Workspace, mine: bool) -> int:
    with ws.session() as session:
        owner = LeadRow.owner == ws.me if mine else LeadRow.owner != ws.me
        query = select(LeadRow.id).where(owner, LeadRow.status == "new").order_by(LeadRow.id)
        return int(session.exec(query).first() or 0)


def test_a_teammates_lead_says_whose_it_is(workspace: Workspace, clock: FrozenClock) -> None:
    theirs, mine = _lead(workspace, mine=False), _lead(workspace, mine=True)
    detail = loaders.load_detail(workspace, theirs, clock())
    assert detail is not None
    assert f"owned by {detail.lead.owner}" in header_text(detail).plain
    own = loaders.load_detail(workspace, mine, clock())
    assert own is not None and "owned by" not in header_text(own).plain


def test_a_disqualified_lead_says_when_and_why(workspace: Workspace, clock: FrozenClock) -> None:
    lead_id = _lead(workspace, mine=True)
    workspace.disqualify(lead_id, "Went with Acme", clock())
    detail = loaders.load_detail(workspace, lead_id, clock())
    assert detail is not None
    shown = header_text(detail).plain
    assert "disqualified" in shown.splitlines()[-1] and shown.endswith(": Went with Acme")
