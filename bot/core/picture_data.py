"""The schema of questions/pictures/pictures.yaml: pictures drawn from the bank's own data.

Pure: parsing and checking only, no file or drawing. One model serves the loader,
the drawing code and the test over the shipped file, so a picture that cites a
source it does not list, or shows an item the bank does not have, fails in one place.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

PictureId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
ShortText = Annotated[str, Field(min_length=1, max_length=160)]


class PictureSource(BaseModel):
    """Cited as the bank items cite it: the title as published, the outlet, the address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, Field(min_length=1, max_length=300)]
    publisher: Annotated[str, Field(min_length=1, max_length=120)]
    url: HttpUrl


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # 1-based index into the picture's sources; None: all of the picture's sources.
    source: Annotated[int, Field(ge=1)] | None = None


class TimelineEvent(_Sourced):
    date: date
    label: ShortText
    shown: Annotated[str, Field(max_length=40)] | None = None  # "June 2022" for a month-only date

    @property
    def date_text(self) -> str:
        return self.shown or f"{self.date.day} {self.date:%b %Y}"


class TimelineSpan(_Sourced):
    from_: date = Field(alias="from")
    to: date
    label: ShortText

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BarPoint(_Sourced):
    label: ShortText
    value: Annotated[float, Field(ge=0)]
    group: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    qualifier: Literal["about", "almost"] | None = None  # drawn before the value


class PictureSpec(BaseModel):
    """One picture: what it shows, where the figures come from, which items show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PictureId
    kind: Literal["timeline", "bars"]
    title: ShortText
    note: ShortText | None = None
    as_of: date | None = None
    unit: Annotated[str, Field(max_length=20)] | None = None
    items: Annotated[list[str], Field(min_length=1)]
    sources: Annotated[list[PictureSource], Field(min_length=1, max_length=12)]
    events: list[TimelineEvent] = []
    spans: list[TimelineSpan] = []
    points: list[BarPoint] = []

    @model_validator(mode="after")
    def _consistent(self) -> PictureSpec:
        if self.kind == "timeline" and not self.events:
            raise ValueError("a timeline needs events")
        if self.kind == "bars" and not self.points:
            raise ValueError("a bar picture needs points")
        data: list[_Sourced] = [*self.events, *self.spans, *self.points]
        for entry in data:
            if entry.source is not None and entry.source > len(self.sources):
                raise ValueError(
                    f"source {entry.source} is not listed (the picture has {len(self.sources)})"
                )
        for span in self.spans:
            if span.to < span.from_:
                raise ValueError(f"span {span.label!r} ends before it starts")
        if len(set(self.items)) != len(self.items):
            raise ValueError("an item is listed twice")
        return self

    @property
    def content_hash(self) -> str:
        """Changes whenever anything drawn changes: the cache key of the PNG."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def source_line(self) -> str:
        """The sources as drawn in the picture's footer: publisher and address."""
        return "; ".join(f"{s.publisher}, {s.url}" for s in self.sources)


class PictureBook(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pictures: list[PictureSpec]

    @model_validator(mode="after")
    def _unique(self) -> PictureBook:
        ids = [p.id for p in self.pictures]
        if len(set(ids)) != len(ids):
            raise ValueError("picture ids must be unique")
        shown: dict[str, str] = {}
        for picture in self.pictures:
            for item in picture.items:
                if item in shown:
                    raise ValueError(f"item {item} is shown by both {shown[item]} and {picture.id}")
                shown[item] = picture.id
        return self

    def for_item(self, slug: str) -> PictureSpec | None:
        return next((p for p in self.pictures if slug in p.items), None)


class PictureDataError(ValueError):
    """The pictures file does not match its schema; the message names each problem."""


def parse_pictures(data: Any) -> PictureBook:
    try:
        return PictureBook.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in error.errors()
        ]
        raise PictureDataError("; ".join(problems)) from error
