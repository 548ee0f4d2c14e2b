"""The console's pages. Every view and every action is a signed call to this same service's API
(`tidewater.remote`, as the CLI makes them), so the console shows and refuses exactly what an
SDK would be shown and refused; only the sign-in reads the key ring.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from tidewater.console import chart, explorer
from tidewater.console.session import COOKIE, Sessions, Visitor
from tidewater.remote import Aws, Ess, Refused, Remote, Target

HERE = Path(__file__).parent
CLOUDS = ("aws", "aliyun")
STREAM_SECONDS = 5.0  # a live page's stream ends now and then (the browser reconnects at once),
# so a server stopping never waits long on an open page


class Console:
    """Built by the app factory; `regions` names where an account has groups."""

    def __init__(
        self,
        sessions: Sessions,
        regions: Callable[[str], list[tuple[str, str]]],
        aliyun_apis: list[explorer.AliyunApi],
        now: Callable[[], datetime],
        *,
        root: str = "/console",
        refresh_seconds: float = 0.25,
    ) -> None:
        self.sessions = sessions
        self.regions = regions
        self.now = now  # the service clock: activity times are on it, simulated or not
        self.aliyun_apis = {api.product.lower(): api for api in aliyun_apis}
        self.root = root
        self.refresh_seconds = refresh_seconds
        self.pages = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            auto_reload=False,
        )
        self.pages.filters["when"] = _when
        self._remotes: dict[tuple[str, ...], Remote] = {}
        # one botocore session builds every AWS client: a session per client would load the
        # service models again each time (about 0.1 s); a session is not thread-safe, so a
        # lock guards the building
        self._botocore: Any = None
        self._building = threading.Lock()

    def routes(self) -> list[BaseRoute]:
        """One mount: an API request passes the console in two quick path checks."""
        group = "/{cloud}/{region}/groups/{group}"
        inside = [
            Route("/", self.groups, methods=["GET"]),
            Route("/sign-in", self.sign_in, methods=["GET", "POST"]),
            Route("/sign-out", self.sign_out, methods=["POST"]),
            Route("/explorer", self.explorer, methods=["GET", "POST"]),
            Route(group, self.group, methods=["GET"]),
            Route(group + "/events", self.events, methods=["GET"]),
            Route(group + "/actions", self.act, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="console-static"),
        ]
        bare = Route(self.root, lambda _: RedirectResponse(self.root + "/", 308))
        return [bare, Mount(self.root, routes=inside)]

    # -- who is here ------------------------------------------------------------------------

    async def _visitor(self, request: Request) -> Visitor | None:
        cookie = request.cookies.get(COOKIE)
        return await run_in_threadpool(self.sessions.visitor, cookie) if cookie else None

    def _page(
        self, name: str, visitor: Visitor | None, status: int = 200, **facts: Any
    ) -> Response:
        csrf = self.sessions.csrf(visitor) if visitor else ""
        html = self.pages.get_template(name).render(
            root=self.root, visitor=visitor, csrf=csrf, **facts
        )
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    def _away(self) -> Response:
        return RedirectResponse(self.root + "/sign-in", 303)

    async def sign_in(self, request: Request) -> Response:
        if request.method == "GET":
            return self._page("sign_in.html", None)
        form = await _form(request)
        key, secret = str(form.get("key", "")).strip(), str(form.get("secret", ""))
        visitor = await run_in_threadpool(self.sessions.sign_in, key, secret)
        if visitor is None:
            return self._page(
                "sign_in.html",
                None,
                401,
                key=key,
                refused={"code": "Refused", "message": "That access key pair is not known here."},
            )
        answer = RedirectResponse(self.root + "/", 303)
        answer.set_cookie(
            COOKIE,
            visitor.cookie,
            max_age=int(self.sessions.lifetime),
            path=self.root,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return answer

    async def sign_out(self, request: Request) -> Response:
        visitor = await self._visitor(request)
        form = await _form(request)
        if visitor is not None and not self.sessions.csrf_ok(visitor, _one(form, "csrf")):
            return Response("The form was not this session's.", 403)
        answer = self._away()
        answer.delete_cookie(COOKIE, path=self.root)
        return answer

    # -- the service, as an SDK sees it -------------------------------------------------------

    def _remote(self, request: Request, visitor: Visitor, cloud: str, region: str) -> Remote:
        endpoint = own_address(request)
        key = (cloud, region, visitor.key, visitor.secret, endpoint)
        found = self._remotes.get(key)
        if found is not None:
            return found
        target = Target(endpoint, region, visitor.key, visitor.secret)
        if cloud != "aws":
            found = Ess(target)
        else:
            with self._building:
                if self._botocore is None:
                    import botocore.session

                    self._botocore = botocore.session.Session()
                found = Aws(target, self._botocore)
        if len(self._remotes) > 1024:
            self._remotes.clear()
        self._remotes[key] = found
        return found

    async def groups(self, request: Request) -> Response:
        visitor = await self._visitor(request)
        if visitor is None:
            return self._away()
        cloud = request.query_params.get("cloud", "")
        region = request.query_params.get("region", "")
        everywhere = await run_in_threadpool(self.regions, visitor.account)
        shown = [
            (c, r)
            for c, r in everywhere
            if (not cloud or c == cloud) and (not region or r == region)
        ]

        def listed() -> tuple[list[dict[str, Any]], list[str]]:
            rows, problems = [], []
            for c, r in shown:
                try:
                    found = self._remote(request, visitor, c, r).groups()
                except (Refused, ConnectionError) as refused:
                    problems.append(f"{c} {r}: {refused}")
                    continue
                for g in found:
                    rows.append({**g, "cloud": c, "region": r, "key": _key(c, g)})
            return rows, problems

        rows, problems = await run_in_threadpool(listed)
        return self._page(
            "groups.html",
            visitor,
            rows=rows,
            problems=problems,
            cloud=cloud,
            region=region,
            all_regions=sorted({r for _, r in everywhere}),
        )

    def _state(
        self, request: Request, visitor: Visitor, cloud: str, region: str, group: str
    ) -> dict[str, Any]:
        remote = self._remote(request, visitor, cloud, region)
        row, instances = remote.state(group)
        activities = remote.activities(group)
        drawn = chart.series(activities, row["desired"], row["in_service"], self.now())
        return {
            "group": row,
            "instances": instances,
            "activities": activities,
            "chart": chart.svg(drawn),
        }

    def _where(self, request: Request) -> tuple[str, str, str] | None:
        cloud, region = request.path_params["cloud"], request.path_params["region"]
        return (cloud, region, request.path_params["group"]) if cloud in CLOUDS else None

    def _here(self, cloud: str, region: str, group: str) -> str:
        return f"{self.root}/{cloud}/{region}/groups/{urllib.parse.quote(group, safe='')}"

    async def group(self, request: Request, **extra: Any) -> Response:
        visitor = await self._visitor(request)
        if visitor is None:
            return self._away()
        where = self._where(request)
        if where is None:
            return Response("No such cloud.", 404)
        cloud, region, name = where
        try:
            state = await run_in_threadpool(self._state, request, visitor, cloud, region, name)
        except Refused as refused:
            return self._page(
                "groups.html", visitor, 404, rows=[], problems=[str(refused)], all_regions=[]
            )
        status = extra.pop("status", 200)
        return self._page(
            "group.html",
            visitor,
            status,
            cloud=cloud,
            region=region,
            here=self._here(cloud, region, name),
            notice=extra.get("notice") or request.query_params.get("notice"),
            **{k: v for k, v in extra.items() if k != "notice"},
            **state,
        )

    async def events(self, request: Request) -> Response:
        """The group's state whenever it changes, as server-sent events: the page never polls."""
        visitor = await self._visitor(request)
        where = self._where(request)
        if visitor is None or where is None:
            return Response(status_code=401)
        cloud, region, name = where
        here, csrf = self._here(cloud, region, name), self.sessions.csrf(visitor)
        template = self.pages.get_template("_state.html")

        async def stream() -> AsyncIterator[str]:
            yield "retry: 250\n\n"
            last, ends = "", time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends and not await request.is_disconnected():
                try:
                    state = await run_in_threadpool(
                        self._state, request, visitor, cloud, region, name
                    )
                except (Refused, ConnectionError):
                    return
                html = template.render(
                    root=self.root, cloud=cloud, region=region, here=here, csrf=csrf, **state
                )
                if html != last:
                    last = html
                    yield f"event: state\ndata: {json.dumps({'html': html})}\n\n"
                await asyncio.sleep(self.refresh_seconds)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"cache-control": "no-store"}
        )

    async def act(self, request: Request) -> Response:
        """One change from the group page, through the API; a refusal shows as the cloud says it."""
        visitor = await self._visitor(request)
        where = self._where(request)
        if visitor is None or where is None:
            return self._away()
        form = await _form(request)
        if not self.sessions.csrf_ok(visitor, _one(form, "csrf")):
            return Response("The form was not this session's.", 403)
        cloud, region, name = where
        action = _one(form, "action") or ""
        ids = [str(i) for i in form.getlist("instance")]
        decrement = _one(form, "decrement") == "true"
        remote = self._remote(request, visitor, cloud, region)
        change = ACTIONS.get(action)
        if change is None:
            return Response("No such action.", 400)
        try:
            notice = await run_in_threadpool(change, remote, name, ids, decrement, form)
        except Refused as refused:
            return await self.group(
                request, status=400, refused={"code": refused.code, "message": refused.message}
            )
        here = self._here(cloud, region, name)
        return RedirectResponse(f"{here}?notice={urllib.parse.quote(notice)}", 303)

    # -- the explorer -------------------------------------------------------------------------

    def _products(self) -> list[tuple[str, str]]:
        aws = [(f"aws:{s}", f"AWS {s}") for s in explorer.AWS_PRODUCTS]
        return aws + [
            (f"aliyun:{k}", f"Alibaba Cloud {a.product} {a.version}")
            for k, a in self.aliyun_apis.items()
        ]

    async def explorer(self, request: Request) -> Response:
        visitor = await self._visitor(request)
        if visitor is None:
            return self._away()
        product = request.query_params.get("product", "aws:autoscaling")
        cloud, _, name = product.partition(":")
        region = request.query_params.get("region") or (
            "us-east-1" if cloud == "aws" else "cn-hangzhou"
        )
        if cloud == "aws" and name in explorer.AWS_PRODUCTS:
            actions = explorer.aws_actions(name)
        elif cloud == "aliyun" and name in self.aliyun_apis:
            actions = list(self.aliyun_apis[name].actions)
        else:
            return Response("No such product.", 404)
        action = request.query_params.get("action", "")
        if action not in actions:
            action = ""
        fields = (
            []
            if not action
            else explorer.aws_fields(name, action)
            if cloud == "aws"
            else explorer.ess_fields(self.aliyun_apis[name], action)
        )
        form: dict[str, str] = {}
        exchange = None
        if request.method == "POST" and action:
            posted = await _form(request)
            if not self.sessions.csrf_ok(visitor, _one(posted, "csrf")):
                return Response("The form was not this session's.", 403)
            form = {k: str(v) for k, v in posted.items() if k != "csrf"}
            params = explorer.values(fields, form)
            endpoint = own_address(request)
            if cloud == "aws":
                exchange = await run_in_threadpool(
                    explorer.send_aws,
                    endpoint,
                    region,
                    visitor.key,
                    visitor.secret,
                    name,
                    action,
                    params,
                )
            else:
                exchange = await run_in_threadpool(
                    explorer.send_aliyun,
                    endpoint,
                    region,
                    visitor.key,
                    visitor.secret,
                    self.aliyun_apis[name],
                    action,
                    params,
                )
        return self._page(
            "explorer.html",
            visitor,
            products=self._products(),
            product=product,
            actions=actions,
            action=action,
            region=region,
            fields=fields,
            form=form,
            exchange=exchange,
        )


NO_STORE = {"cache-control": "no-store"}


def own_address(request: Request) -> str:
    """Where this very server answers: the address the console's own request came in on."""
    host, port = request.scope.get("server") or ("127.0.0.1", 4580)
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _when(text: str | None) -> str:
    """An activity time as a person reads it: date and time to the second, in UTC."""
    moment = chart.moment(text)
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _key(cloud: str, group: dict[str, Any]) -> str:
    """How a group is named in the console's addresses: AWS by name, ESS by id."""
    return str(group["name"] if cloud == "aws" else group["id"])


FORM_LIMIT = 256 * 1024  # the explorer's largest documents fit many times over


async def _form(request: Request) -> ImmutableMultiDict[str, str]:
    """A posted form's fields: the console only posts URL-encoded forms, never files, so
    Starlette's multipart parser (and its extra dependency) is not needed."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413, "The form is larger than the console takes (256 KiB).")
    fields = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return ImmutableMultiDict(fields)


def _one(form: Any, name: str) -> str | None:
    value = form.get(name)
    return None if value is None else str(value)


def _picked(ids: list[str]) -> str:
    if not ids:
        raise Refused("NoInstances", "Select one or more instances first.")
    return ", ".join(ids)


Action = Callable[[Remote, str, list[str], bool, Any], str]


def _take_out(remote: Remote, group: str, ids: list[str], decrement: bool, form: Any) -> str:
    named = _picked(ids)
    made = remote.take_out(group, ids, decrement, _one(form, "policy") or None)
    return (
        f"Taking out {named}: {len(made)} activity started."
        if len(made) == 1
        else (f"Taking out {named}: {len(made)} activities started.")
    )


def _standby(enter: bool) -> Action:
    def change(remote: Remote, group: str, ids: list[str], decrement: bool, _form: Any) -> str:
        named = _picked(ids)
        remote.standby(group, ids, enter, decrement)
        return f"Moving {named} {'to' if enter else 'out of'} standby."

    return change


def _protect(on: bool) -> Action:
    def change(remote: Remote, group: str, ids: list[str], _decrement: bool, _form: Any) -> str:
        named = _picked(ids)
        remote.protect(group, ids, on)
        return f"{'Protected' if on else 'Unprotected'} {named} from scale-in."

    return change


def _desired(remote: Remote, group: str, _ids: list[str], _decrement: bool, form: Any) -> str:
    raw = str(form.get("desired", "")).strip()
    if not raw.lstrip("-").isdigit():
        raise Refused("InvalidValue", "Desired capacity must be a whole number.")
    remote.set_desired(group, int(raw))
    return f"Desired capacity set to {int(raw)}."


# What each button of the group page asks of the service, by the button's value
ACTIONS: dict[str, Action] = {
    "detach": _take_out,  # AWS DetachInstances
    "remove": _take_out,  # ESS RemoveInstances, with its remove policy
    "standby": _standby(True),
    "unstandby": _standby(False),
    "protect": _protect(True),
    "unprotect": _protect(False),
    "desired": _desired,
}
