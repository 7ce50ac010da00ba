"""Domain errors: a Chinese message for the user, the offending geometry, an HTTP status.

Raised by the core and the services; ``gridapp.errors`` maps them to HTTP once. The core
works in metres, so it puts the offending geometry on ``shape`` (metric CRS); the service
that knows the projection turns it into GeoJSON (EPSG:4326) on ``geometry``.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry


class DomainError(Exception):
    """A rule of the domain was broken. ``message`` is shown to the user (Chinese)."""

    status = 400
    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        geometry: dict[str, Any] | None = None,
        shape: BaseGeometry | None = None,
        **details: Any,
    ):
        super().__init__(message)
        self.message = message
        self.geometry = geometry
        self.shape = shape
        self.details = details

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.status, "status": self.code, "message": self.message}
        if self.geometry is not None:
            body["geometry"] = self.geometry
        if self.details:
            body["errors"] = self.details
        return body


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class TooLarge(DomainError):
    """More than the app takes in one request (e.g. a geometry with too many vertices)."""

    status = 413
    code = "too_large"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """Someone saved the row after the version the editor started from."""

    code = "stale_version"


class UnsupportedMedia(DomainError):
    """An upload that is not what the route takes (e.g. a "photo" that is no image)."""

    status = 415
    code = "unsupported_media"


class Unprocessable(DomainError):
    """A well-formed request that breaks a rule of the record it sends (a visit dated in
    the future, an unknown event category, an empty description, a point outside the cell,
    a day out of range)."""

    status = 422
    code = "unprocessable"


class InvalidGeometry(DomainError):
    status = 422
    code = "invalid_geometry"


class PartitionError(DomainError):
    """The save would break the partition (overlap, gap, outside, cut building …)."""

    status = 422
    code = "partition_error"


class OutsideCommunity(PartitionError):
    code = "outside_community"


class OverlapError(PartitionError):
    code = "overlap"


class GapError(PartitionError):
    code = "gap"


class BuildingCutError(PartitionError):
    code = "building_cut"


class NotAdjacent(PartitionError):
    code = "not_adjacent"


class ImportRejected(DomainError):
    """An import file with bad rows (or none): nothing was imported; ``rows`` says why."""

    status = 422
    code = "import_rejected"


class LoadError(ValueError):
    """A geodata folder's content breaks a rule (bad code, invalid geometry …).

    Raised while loading a folder (CLI, scripts), never inside a request, so it is not a
    :class:`DomainError` and has no HTTP status.
    """
