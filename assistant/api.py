"""JSON API served beside the web UI: `POST /api/ask` and `POST /api/check`.

Request bodies are never logged or stored: the question exists only for the length of the
request. Errors in the caller's input come back as 400 with a one-line `error`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import UserError
from assistant.verify.check import check_answer, thorough
from assistant.verify.scorer import shared_scorer

if TYPE_CHECKING:
    from assistant.assistant import Assistant

FilterKey = Literal["kind", "doc_id", "jurisdiction"]
Language = Literal["en", "es", "pt", "ht"]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    # Earlier questions of the same conversation, oldest first, for follow-ups.
    history: list[str] = Field(default_factory=list, max_length=50)
    filters: dict[FilterKey, list[str]] | None = None
    # The language to answer in; without one, the question's own language is detected.
    language: Language | None = None


def create_api(assistant: Assistant) -> FastAPI:
    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN, and nothing here may
    # make a browser fetch from outside.
    app = FastAPI(title="ICE Out Assistant API", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(UserError)
    async def user_error(_request: Any, exc: UserError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Any, exc: RequestValidationError) -> JSONResponse:
        # One line naming the field and the fix; FastAPI's default would echo the input back.
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=400)

    @app.post("/api/ask")
    async def ask(request: AskRequest) -> dict[str, Any]:
        filters = {k: v for k, v in (request.filters or {}).items() if v} or None
        answer = await run_in_threadpool(assistant.ask, request.question, request.history, filters,
                                         request.language)
        return answer.to_dict()

    @app.post("/api/check")
    async def check(payload: dict[str, Any]) -> dict[str, Any]:
        # {"thorough": true}: the LLM judges what the exact checks let through (~1-2 s a sentence).
        scorer = shared_scorer(thorough(assistant.settings)) if payload.get("thorough") is True else None
        report = await run_in_threadpool(check_answer, assistant, payload, scorer)
        return report.to_dict()

    return app
