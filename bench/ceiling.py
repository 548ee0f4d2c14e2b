"""The bare stack's ceiling: Starlette on uvicorn (uvloop, httptools), reading the body and
answering a few bytes of XML, with nothing of Tidewater's. Our rows are measured against it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def hello(request: Request) -> Response:
    await request.body()
    return Response(b"<Response/>", media_type="text/xml")


app = Starlette(routes=[Route("/", hello, methods=["GET", "POST"])])
