"""The schema of questions/pictures/pictures.yaml: pictures drawn from the bank's own data.

Pure: parsing and checking only, no file or drawing. One model serves the loader,
the drawing code and the test over the shipped file, so a picture that cites a
source it does not list, or shows an item the bank does not have, fails in one place.

A picture carries its other languages under ``translations`` as a bank item does
(:class:`bot.core.bank.items.Translation`): only words are translated (title, note, labels,
groups, a month-only date's text); figures, dates and sources are the picture's own, so
both languages draw the same data. The shipped file must have every language
(``require_languages``). The checks here are for whoever edits the shipped file, so
their messages stay English (no member can upload a picture).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from bot.core.bank.items import BASE_LANGUAGE, LANGUAGES, TranslationLanguage

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


def _label_only(value: Any) -> Any:
    """A translated entry may be just its label (``- "Перепис 1989 року"``)."""
    return {"label": value} if isinstance(value, str) else value


class EventText(BaseModel):
    """A timeline event's words in another language (its date is the event's own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: ShortText
    shown: Annotated[str, Field(min_length=1, max_length=40)] | None = None

    _coerce = model_validator(mode="before")(_label_only)


class PointText(BaseModel):
    """A bar's words in another language (its value and source are the bar's own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: ShortText
    group: Annotated[str, Field(min_length=1, max_length=60)] | None = None

    _coerce = model_validator(mode="before")(_label_only)


class PictureTranslation(BaseModel):
    """A picture's words in another language; lists have the picture's length and order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: ShortText
    note: ShortText | None = None
    events: list[EventText] = []
    spans: list[ShortText] = []
    points: list[PointText] = []


def _check_translation(spec: PictureSpec, lang: str, text: PictureTranslation) -> None:
    where = f"translations.{lang}"
    if (text.note is None) != (spec.note is None):
        raise ValueError(f"{where}.note: given exactly when the picture has a note")
    for name, own, given in (
        ("events", spec.events, text.events),
        ("spans", spec.spans, text.spans),
        ("points", spec.points, text.points),
    ):
        if len(given) != len(own):
            raise ValueError(
                f"{where}.{name}: {len(given)} given, the picture has {len(own)}"
                " (same number, same order)"
            )
    for i, (event, words) in enumerate(zip(spec.events, text.events, strict=True)):
        if (event.shown is None) != (words.shown is None):
            raise ValueError(f"{where}.events.{i}.shown: given exactly when the event has one")
    groups: dict[str, str] = {}
    for i, (point, words) in enumerate(zip(spec.points, text.points, strict=True)):
        if (point.group is None) != (words.group is None):
            raise ValueError(f"{where}.points.{i}.group: given exactly when the point has one")
        if (
            point.group is not None
            and words.group is not None
            and groups.setdefault(point.group, words.group) != words.group
        ):
            raise ValueError(f"{where}.points.{i}.group: {point.group!r} is translated two ways")
    if len(set(groups.values())) != len(groups):
        raise ValueError(f"{where}.points: two groups share one translation")


class PictureSpec(BaseModel):
    """One picture: what it shows, where the figures come from, which items show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PictureId
    kind: Literal["timeline", "bars"]
    title: ShortText
    note: ShortText | None = None
    as_of: date | None = None
    # Worded by the bot in each language, with the count's plural form.
    unit: Literal["%", "people", "votes"] | None = None
    items: Annotated[list[str], Field(min_length=1)]
    sources: Annotated[list[PictureSource], Field(min_length=1, max_length=12)]
    events: list[TimelineEvent] = []
    spans: list[TimelineSpan] = []
    points: list[BarPoint] = []
    translations: dict[TranslationLanguage, PictureTranslation] = {}

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> PictureSpec:
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
        for lang, text in self.translations.items():
            _check_translation(self, lang, text)
        missing = [lang for lang in LANGUAGES if lang not in (BASE_LANGUAGE, *self.translations)]
        if (info.context or {}).get("require_languages") and missing:
            raise ValueError(
                f"translations: a shipped picture needs every language; missing: "
                f"{', '.join(missing)}"
            )
        return self

    def in_language(self, language: str) -> PictureSpec:
        """The picture with its words in ``language`` (its own where it has none)."""
        text = self.translations.get(language)  # type: ignore[call-overload]
        if text is None:
            return self
        groups = {
            p.group: t.group for p, t in zip(self.points, text.points, strict=True) if p.group
        }
        return self.model_copy(
            update={
                "title": text.title,
                "note": text.note,
                "events": [
                    e.model_copy(update={"label": t.label, "shown": t.shown})
                    for e, t in zip(self.events, text.events, strict=True)
                ],
                "spans": [
                    s.model_copy(update={"label": label})
                    for s, label in zip(self.spans, text.spans, strict=True)
                ],
                "points": [
                    p.model_copy(
                        update={"label": t.label, "group": groups[p.group] if p.group else None}
                    )
                    for p, t in zip(self.points, text.points, strict=True)
                ],
            }
        )

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


def parse_pictures(data: Any, *, require_languages: bool = False) -> PictureBook:
    """``require_languages``: every picture must carry every language (the shipped file)."""
    try:
        return PictureBook.model_validate(data, context={"require_languages": require_languages})
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in error.errors()
        ]
        raise PictureDataError("; ".join(problems)) from error
