"""REST and live streams of the live center.

- ``/api/v1/live/desktop…`` — the signed-in agent's desktop: state, offers, contacts, chat
  messages, wrap-up, transfers, callbacks; ``/desktop/stream`` tells the page (Server-Sent
  Events) when to look again.
- ``/api/v1/live/wallboard`` and ``/wallboard/stream`` — the supervisor's view.
- ``/api/v1/live/queues/{code}/routing``, ``/agents/{code}/routing`` — routing settings;
  ``/api/v1/live/reason-codes`` — not-ready reasons and wrap-up codes.
- ``/api/v1/telephony/…`` — what a PBX reports (call arrived, answered, ended, callback).
- ``/api/v1/chat/{tenant}/…`` — the public chat widget: start a chat, then a WebSocket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Any, TypeVar

from fastapi import Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response, StreamingResponse

from contactops.domains.live import service
from contactops.domains.live.schemas import (
    AgentRoutingRequest,
    CallAnswered,
    CallArrived,
    CallbackRequest,
    CallEnded,
    ChatStart,
    MessageRequest,
    NewCallback,
    NoteRequest,
    QueueRoutingRequest,
    ReasonCodeRequest,
    StateRequest,
    TransferRequest,
    WrapupRequest,
)
from contactops.platform.auth import Permission, Principal, Scope, require
from contactops.platform.database import Database
from contactops.platform.errors import DomainError
from contactops.platform.web import api_router

live = api_router("/live", "live center")
telephony = api_router("/telephony", "telephony")
chat = api_router("/chat", "chat")
R = TypeVar("R")
KEEPALIVE_S = 15.0
WALLBOARD_REFRESH_S = 5.0


# Desktop actions answer this; the page reads the desktop again on the stream's next event.
DONE = {"ok": True}


def _plain(view: Any) -> Any:
    return jsonable_encoder(asdict(view))


async def _as_agent(
    request: Request,
    principal: Principal,
    action: Callable[..., R],
    *args: Any,
    **kwargs: Any,
) -> R:
    """``action(db, scope, my agent id, *args, **kwargs)`` on the live-center thread, awaited
    (``action``: a function of the live service)."""
    db: Database = request.app.state.db
    scope = Scope.of(principal)
    return await service.in_center(db, lambda: service.as_agent(db, scope, action, *args, **kwargs))


async def _in_center(request: Request, work: Callable[[], R]) -> R:
    return await service.in_center(request.app.state.db, work)


# --- the agent desktop -------------------------------------------------------------------


@live.get("/desktop")
async def get_desktop(
    request: Request, principal: Principal = Depends(require(Permission.HANDLE_CONTACTS))
) -> Any:
    """My state, the contacts offered to me or in my hands (with chat messages), codes."""
    return _plain(await _as_agent(request, principal, service.desktop))


@live.get("/desktop/transfer-targets")
async def get_transfer_targets(
    request: Request, principal: Principal = Depends(require(Permission.HANDLE_CONTACTS))
) -> Any:
    """Other agents ready now, as [code, name]: whom I can transfer a contact to."""
    return await _as_agent(request, principal, service.transfer_targets)


@live.post("/desktop/state")
async def post_state(
    body: StateRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Go ready, not ready (with a reason), on break, or log out (not with open contacts)."""
    await _as_agent(request, principal, service.set_presence, body.state, body.reason)
    return DONE


def _contact_action(action: str, doc: str) -> None:
    async def handler(
        contact_id: str,
        request: Request,
        principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    ) -> Any:
        if action in ("hold", "unhold"):
            await _as_agent(request, principal, service.hold, contact_id, action == "hold")
        else:
            await _as_agent(request, principal, getattr(service, action), contact_id)
        return DONE

    handler.__doc__ = doc
    handler.__name__ = f"contact_{action}"
    live.post(f"/desktop/contacts/{{contact_id}}/{action}")(handler)


_contact_action("accept", "Answer the contact offered to me.")
_contact_action("reject", "Decline the offer: it goes back in line, I go not ready.")
_contact_action("hold", "Put the customer on hold.")
_contact_action("unhold", "Take the customer off hold.")
_contact_action("end", "End the conversation; wrap-up begins.")


@live.post("/desktop/contacts/{contact_id}/wrapup")
async def post_wrapup(
    contact_id: str,
    body: WrapupRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Finish after-contact work with a code and note; I am free for the next contact."""
    await _as_agent(
        request,
        principal,
        service.wrap_up,
        contact_id,
        code=body.code,
        note=body.note,
        resolved=body.resolved,
    )
    return DONE


@live.post("/desktop/contacts/{contact_id}/transfer")
async def post_transfer(
    contact_id: str,
    body: TransferRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Transfer to a queue (new leg there) or to an agent who can take it now."""
    await _as_agent(
        request, principal, service.transfer, contact_id, queue=body.queue, agent=body.agent
    )
    return DONE


@live.post("/desktop/contacts/{contact_id}/messages")
async def post_message(
    contact_id: str,
    body: MessageRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Send a chat message to the customer."""
    await _as_agent(request, principal, service.agent_message, contact_id, body.body)
    return DONE


@live.post("/desktop/contacts/{contact_id}/note")
async def post_note(
    contact_id: str,
    body: NoteRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Save my note on the contact."""
    await _as_agent(request, principal, service.save_note, contact_id, body.note)
    return DONE


@live.post("/desktop/contacts/{contact_id}/callback")
async def post_callback(
    contact_id: str,
    body: CallbackRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Any:
    """Promise the customer a callback (now or at a time), preferably by me."""
    view = await _as_agent(
        request,
        principal,
        service.promise_callback,
        contact_id,
        number=body.number,
        at=body.at,
        queue=body.queue,
    )
    return _plain(view)


async def _events(
    topic: tuple[Any, ...], snapshot: Any, refresh_s: float | None = None
) -> AsyncIterator[str]:
    """Server-Sent Events: ``changed`` when the topic fires (and every ``refresh_s``), a
    keep-alive comment otherwise."""
    async with service.hub.subscribe(topic) as subscription:
        yield f"event: changed\ndata: {json.dumps(snapshot)}\n\n"
        wait_s = refresh_s or KEEPALIVE_S
        while True:
            message = await subscription.get(wait_s)
            if message is None and refresh_s is None:
                yield ": keep-alive\n\n"
            else:
                yield f"event: changed\ndata: {json.dumps(message or {})}\n\n"


_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@live.get("/desktop/stream")
async def desktop_stream(
    request: Request, principal: Principal = Depends(require(Permission.HANDLE_CONTACTS))
) -> StreamingResponse:
    """Server-Sent Events: ``changed`` whenever my desktop changed (then GET /desktop)."""
    db: Database = request.app.state.db
    agent_id = await service.in_center(db, lambda: service.agent_of_user(db, Scope.of(principal)))
    topic = (principal.tenant_id, "agent", agent_id)
    return StreamingResponse(
        _events(topic, {"agent": agent_id}), media_type="text/event-stream", headers=_SSE_HEADERS
    )


# --- supervisors ---------------------------------------------------------------------------


@live.get("/wallboard")
def get_wallboard(
    request: Request, principal: Principal = Depends(require(Permission.SUPERVISE_LIVE))
) -> Any:
    """Per queue: waiting now, longest wait, today's figures and alerts; agents by state."""
    return _plain(service.wallboard_view(request.app.state.db, Scope.of(principal)))


@live.get("/wallboard/stream")
async def wallboard_stream(
    request: Request, principal: Principal = Depends(require(Permission.SUPERVISE_LIVE))
) -> StreamingResponse:
    """Server-Sent Events: ``changed`` when the center changes and every few seconds."""
    topic = (principal.tenant_id, "wallboard")
    return StreamingResponse(
        _events(topic, {}, WALLBOARD_REFRESH_S),
        media_type="text/event-stream",
        headers=_SSE_HEADERS,
    )


@live.post("/agents/{agent_code}/state")
def force_state(
    agent_code: str,
    body: StateRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.SUPERVISE_LIVE)),
) -> Any:
    """A supervisor sets an agent's state (for example logs out an agent who left)."""
    db, scope = request.app.state.db, Scope.of(principal)
    agent_id = service.agent_id_of(db, scope, agent_code)
    service.set_presence(db, scope, agent_id, body.state, body.reason)
    return DONE


@live.get("/queues/{queue_code}/routing")
def get_queue_routing(
    queue_code: str,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Any:
    """The queue's routing settings (defaults where never set)."""
    return _plain(service.queue_routing(request.app.state.db, Scope.of(principal), queue_code))


@live.patch("/queues/{queue_code}/routing")
def patch_queue_routing(
    queue_code: str,
    body: QueueRoutingRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
) -> Any:
    """Change routing settings; only the fields given change (audited)."""
    view = service.update_queue_routing(
        request.app.state.db, Scope.of(principal), queue_code, body.changes()
    )
    return _plain(view)


@live.get("/reason-codes")
def get_reason_codes(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Any:
    """Not-ready reasons and wrap-up codes, inactive ones too."""
    return [asdict(v) for v in service.reason_codes(request.app.state.db, Scope.of(principal))]


@live.put("/reason-codes/{kind}/{code}")
def put_reason_code(
    kind: str,
    code: str,
    body: ReasonCodeRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
) -> Any:
    """Add or change a not-ready reason (kind ``not_ready``) or wrap-up code (``wrapup``)."""
    view = service.save_reason_code(
        request.app.state.db, Scope.of(principal), kind, code, body.label, active=body.active
    )
    return asdict(view)


@live.put("/agents/{agent_code}/routing")
def put_agent_routing(
    agent_code: str,
    body: AgentRoutingRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
) -> Any:
    """An agent's contacts at once and occupancy cap (audited)."""
    service.update_agent_routing(
        request.app.state.db,
        Scope.of(principal),
        agent_code,
        max_contacts=body.max_contacts,
        occupancy_cap=body.occupancy_cap,
    )
    return body.model_dump()


# --- telephony -------------------------------------------------------------------------------


@telephony.post("/calls")
async def call_arrived(
    body: CallArrived,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """A call arrived for a queue. The answer says what became of it: ``offered`` (ring
    ``agent``), ``waiting``, or ``ended`` with outcome ``blocked`` (``callback_offered`` says
    whether to offer the caller a callback). Repeating a call id answers the same."""
    view = await _in_center(
        request,
        lambda: service.contact_arrived(
            request.app.state.db,
            Scope.of(principal),
            channel="phone",
            queue=body.queue,
            caller=body.caller,
            external_ref=body.call_id,
            now=body.at,
            identify=True,
        ),
    )
    return _plain(view)


@telephony.get("/calls/{call_id}")
async def call_status(
    call_id: str,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """Where the call is now: waiting, ringing at ``agent``, connected, wrap-up, ended."""
    db, scope = request.app.state.db, Scope.of(principal)
    return _plain(await _in_center(request, lambda: service.call_status(db, scope, call_id)))


@telephony.post("/calls/{call_id}/answered")
async def call_answered(
    call_id: str,
    body: CallAnswered,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """The agent picked up."""
    db, scope = request.app.state.db, Scope.of(principal)
    view = await _in_center(
        request, lambda: service.call_answered(db, scope, call_id, body.agent, now=body.at)
    )
    return _plain(view)


@telephony.post("/calls/{call_id}/ended")
async def call_ended(
    call_id: str,
    body: CallEnded,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """The call is over: abandoned if it had not been answered, else the agent's wrap-up."""
    db, scope = request.app.state.db, Scope.of(principal)
    view = await _in_center(
        request, lambda: service.call_ended(db, scope, call_id, body.ended_by, now=body.at)
    )
    return _plain(view)


@telephony.post("/calls/{call_id}/callback")
def call_callback(
    call_id: str,
    body: CallbackRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """The waiting caller asked to be called back (keeps the place in line, or at ``at``)."""
    view = service.request_callback(
        request.app.state.db,
        Scope.of(principal),
        call_id,
        number=body.number,
        at=body.at,
        by_external_ref=True,
    )
    return _plain(view)


@telephony.post("/callbacks")
def new_callback(
    body: NewCallback,
    request: Request,
    principal: Principal = Depends(require(Permission.INTEGRATE_TELEPHONY)),
) -> Any:
    """A callback asked for outside a waiting call (after a blocked call, from the IVR)."""
    view = service.schedule_callback(
        request.app.state.db, Scope.of(principal), queue=body.queue, number=body.number, at=body.at
    )
    return _plain(view)


# --- the public chat -----------------------------------------------------------------------


def _cors(request: Request, response: Response) -> Response:
    """Let an allowed web site (setting ``chat_origins``) call the chat from its pages."""
    origin = request.headers.get("origin")
    allowed = [o.strip() for o in request.app.state.settings.chat_origins.split(",") if o.strip()]
    if origin and ("*" in allowed or origin in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Vary"] = "Origin"
    return response


@chat.options("/{tenant}/sessions", include_in_schema=False)
def start_chat_preflight(tenant: str, request: Request) -> Response:
    return _cors(request, Response(status_code=204))


@chat.post("/{tenant}/sessions")
def start_chat(tenant: str, body: ChatStart, request: Request) -> Response:
    """A customer starts a chat: answers the contact id and the secret token of its window.
    Other web sites may call it when listed in the ``chat_origins`` setting."""
    db = request.app.state.db
    tenant_id, _zone = service.tenant_by_slug(db, tenant)
    view = service.start_chat(db, tenant_id, queue=body.queue, name=body.name, email=body.email)
    return _cors(request, JSONResponse(_plain(view)))


@chat.websocket("/{tenant}/sessions/{contact_id}/ws")
async def chat_socket(websocket: WebSocket, tenant: str, contact_id: str, token: str) -> None:
    """The chat window's line: the server sends ``{"type": "chat", ...}`` views; the window
    sends ``{"type": "message", "body": ...}`` or ``{"type": "leave"}``."""
    db = websocket.app.state.db
    try:
        tenant_id, _zone = await run_in_threadpool(service.tenant_by_slug, db, tenant)
        await run_in_threadpool(service.chat_contact, db, tenant_id, contact_id, token)
    except DomainError:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    async def send_view() -> None:
        view = await run_in_threadpool(service.chat_view, db, tenant_id, contact_id)
        await websocket.send_json({"type": "chat", **_plain(view)})

    async def receive() -> None:
        while True:
            message = await websocket.receive_json()
            kind = message.get("type") if isinstance(message, dict) else None
            try:
                if kind == "message":
                    await run_in_threadpool(
                        service.customer_message, db, tenant_id, contact_id, str(message["body"])
                    )
                elif kind == "leave":
                    await run_in_threadpool(service.customer_left, db, tenant_id, contact_id)
            except DomainError as error:
                await websocket.send_json({"type": "error", "detail": error.detail})

    async def push() -> None:
        async with service.hub.subscribe((tenant_id, "chat", contact_id)) as sub:
            await send_view()
            while True:
                if await sub.get(KEEPALIVE_S) is not None:
                    await send_view()

    tasks = [asyncio.create_task(receive()), asyncio.create_task(push())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
