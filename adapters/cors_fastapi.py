"""FastAPI CORS subject: Starlette's `CORSMiddleware` as FastAPI documents it, `app.add_middleware(CORSMiddleware, ...)`.

FastAPI re-exports the very class (`fastapi.middleware.cors.CORSMiddleware`) and builds Starlette's
middleware stack, so it deviates exactly where `starlette/cors` does, the undecorated 500 of
fastapi#775 first.
"""

from __future__ import annotations

from .base import Subject
from .cors_starlette import StarletteCors


class FastAPICors(StarletteCors):
    name = "fastapi/cors"
    framework = "fastapi"
    packages: tuple[str, ...] = ("fastapi", "starlette")
    description = "FastAPI `app.add_middleware(CORSMiddleware, ...)`, added last (outermost of the user middleware)"


SUBJECTS: list[type[Subject]] = [FastAPICors]
