"""REST: queues, agents and teams of the caller's tenant."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Depends, Request, status

from contactops.domains.organization import service
from contactops.domains.organization.schemas import (
    AgentOut,
    QueueCreate,
    QueueOut,
    QueueUpdate,
    TeamOut,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.web import api_router

router = api_router("", "organisation")
view_run = require(Permission.VIEW_RUN)
configure = require(Permission.CONFIGURE_CENTER)


@router.get("/queues", response_model=list[QueueOut])
def list_queues(request: Request, principal: Principal = Depends(view_run)) -> list[QueueOut]:
    return [QueueOut(**asdict(q)) for q in service.list_queues(request.app.state.db, principal)]


@router.post("/queues", response_model=QueueOut, status_code=status.HTTP_201_CREATED)
def create_queue(
    body: QueueCreate, request: Request, principal: Principal = Depends(configure)
) -> QueueOut:
    queue = service.create_queue(request.app.state.db, principal, **body.model_dump())
    return QueueOut(**asdict(queue))


@router.get("/queues/{queue_id}", response_model=QueueOut)
def get_queue(
    queue_id: int, request: Request, principal: Principal = Depends(view_run)
) -> QueueOut:
    return QueueOut(**asdict(service.get_queue(request.app.state.db, principal, queue_id)))


@router.patch("/queues/{queue_id}", response_model=QueueOut)
def update_queue(
    queue_id: int, body: QueueUpdate, request: Request, principal: Principal = Depends(configure)
) -> QueueOut:
    queue = service.update_queue(
        request.app.state.db, principal, queue_id, **body.model_dump(exclude_unset=True)
    )
    return QueueOut(**asdict(queue))


@router.get("/agents", response_model=list[AgentOut])
def list_agents(request: Request, principal: Principal = Depends(view_run)) -> list[AgentOut]:
    return [AgentOut(**asdict(a)) for a in service.list_agents(request.app.state.db, principal)]


@router.get("/teams", response_model=list[TeamOut])
def list_teams(request: Request, principal: Principal = Depends(view_run)) -> list[TeamOut]:
    return [TeamOut(**asdict(t)) for t in service.list_teams(request.app.state.db, principal)]
