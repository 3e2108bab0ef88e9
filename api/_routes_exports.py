"""Downloads: one version's files in the published standards, and the register-wide set.

The register-wide set is written by ``register.export_register`` into the app's own
cache folder (never into the installation), once per audit head: publishing or
retiring moves the head, and the next request builds the set anew.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import threading
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api._context import ApiContext, Context
from api._errors import NO_SUCH_FILE_MESSAGE, ApiError
from api._http import Cached, cached_response
from api._routes_catalogue import Slug
from api._routes_versions import VERSION_TTL, Version
from api._schemas import ERROR_RESPONSES, ExportList
from register import export_register, record_exports

__all__ = ["ExportFolder", "router"]

router = APIRouter()
FileName = Annotated[str, Path(max_length=200, description="A file name from the list")]
MEDIA_TYPES = {".json": "application/json", ".jsonld": "application/ld+json", ".csv": "text/csv"}


def _media_type(name: str) -> str:
    suffix = FilePath(name).suffix
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _head_hash(ctx: ApiContext) -> str | None:
    def read() -> str | None:
        head = ctx.reg.audit_head()
        return None if head.sequence == 0 else str(head.hash)

    found: str | None = ctx.cached(("export-head",), read)
    return found


class ExportFolder:
    """The register-wide export set of the current audit head, built at most once per head."""

    def __init__(self, root: FilePath | None) -> None:
        self._root = root
        self._lock = threading.Lock()

    def files(self, ctx: ApiContext) -> tuple[FilePath, dict[str, str]]:
        """The folder of the current set and its files (relative name -> media type)."""
        head = _head_hash(ctx)
        with self._lock:
            if self._root is None:
                self._root = FilePath(tempfile.mkdtemp(prefix="insyn-api-exports-"))
            folder = self._root / (head or "empty")[:32]
            if not folder.is_dir():
                export_register(ctx.reg, folder, base_url=ctx.url("/exports"), audit_head=head)
                for old in self._root.iterdir():
                    if old != folder and old.is_dir() and not old.name.startswith("."):
                        shutil.rmtree(old, ignore_errors=True)
        names = {
            path.relative_to(folder).as_posix(): _media_type(path.name)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        return folder, names


def _listing(ctx: ApiContext, prefix: str, names: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"name": name, "media_type": media, "url": ctx.url(f"{prefix}/{name}")}
        for name, media in names.items()
    ]


def _version_files(ctx: ApiContext, slug: str, version: int) -> dict[str, tuple[bytes, str]]:
    def build() -> dict[str, tuple[bytes, str]]:
        ctx.published(slug)
        return record_exports(ctx.reg.get(slug, version), audit_head=_head_hash(ctx))

    found: dict[str, tuple[bytes, str]] = ctx.cached(
        ("version-exports", slug, version), build, ttl=VERSION_TTL
    )
    return found


@router.get(
    "/algorithms/{slug}/versions/{version}/exports",
    summary="One version's files in the published standards",
    responses={200: {"model": ExportList}, **ERROR_RESPONSES},
)
def version_exports(request: Request, ctx: Context, slug: Slug, version: Version) -> Response:
    def listing() -> dict[str, Any]:
        files = _version_files(ctx, slug, version)
        names = {name: media for name, (_, media) in files.items()}
        prefix = f"/algorithms/{slug}/versions/{version}/exports"
        return {"slug": slug, "version": version, "items": _listing(ctx, prefix, names)}

    return ctx.json(request, ("version-exports-list", slug, version), listing)


@router.get(
    "/algorithms/{slug}/versions/{version}/exports/{name}",
    summary="One of a version's export files",
    responses=ERROR_RESPONSES,
)
def version_export(
    request: Request, ctx: Context, slug: Slug, version: Version, name: FileName
) -> Response:
    files = _version_files(ctx, slug, version)
    if name not in files:
        raise ApiError(404, NO_SUCH_FILE_MESSAGE.format(name=name))
    content, media = files[name]
    found: Cached = ctx.cached(
        ("version-file", slug, version, name), lambda: Cached(content, media)
    )
    return cached_response(request, found)


@router.get(
    "/exports",
    summary="The register-wide export files (every published record in every standard)",
    responses={200: {"model": ExportList}, **ERROR_RESPONSES},
)
def exports(request: Request, ctx: Context) -> Response:
    folder: ExportFolder = request.app.state.exports

    def listing() -> dict[str, Any]:
        _, names = folder.files(ctx)
        return {"audit_head": _head_hash(ctx), "items": _listing(ctx, "/exports", names)}

    return ctx.json(request, ("exports", _head_hash(ctx)), listing)


@router.get(
    "/exports/{name:path}",
    summary="One register-wide export file",
    responses=ERROR_RESPONSES,
)
def export_file(request: Request, ctx: Context, name: str) -> Response:
    folder: ExportFolder = request.app.state.exports
    root, names = folder.files(ctx)
    if name not in names:
        raise ApiError(404, NO_SUCH_FILE_MESSAGE.format(name=name[:200]))

    def read() -> Cached:
        return Cached((root / name).read_bytes(), names[name])

    return cached_response(request, ctx.cached(("export-file", _head_hash(ctx), name), read))
