"""Discord's documented limits (API v10), checked the way Discord checks them.

Every ``validate_*`` function appends problems to a :class:`FormErrors`; a
non-empty ``FormErrors`` becomes the HTTP 400 / code 50035 "Invalid Form Body"
answer that real Discord gives, with the same nested ``errors`` layout.
"""

from __future__ import annotations

from typing import Any

Path = tuple[str | int, ...]

MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100
SELECT_PLACEHOLDER = 150
V2_COMPONENTS = 40
V2_TEXT = 4000
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_PLACEHOLDER = 100
LABEL_DESCRIPTION = 100
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
COMMAND_CHOICES = 25
COMMAND_TOTAL_CHARS = 4000
GLOBAL_CHAT_COMMANDS = 100
CONTEXT_MENU_COMMANDS = 15
AUTOCOMPLETE_CHOICES = 25
POLL_QUESTION = 300
POLL_ANSWERS = 10
POLL_ANSWER_TEXT = 55
POLL_MAX_HOURS = 768
FILES_PER_MESSAGE = 10
THREAD_NAME = 100
THREAD_ARCHIVE_MINUTES = (60, 1440, 4320, 10080)
GALLERY_ITEMS = 10
MEDIA_DESCRIPTION = 1024

FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
# Top level of a components-v2 message (a thumbnail only sits in a section).
LAYOUT_TYPES_V2 = frozenset({1, 9, 10, 12, 13, 14, 17})
CONTAINER_CHILDREN = frozenset({1, 9, 10, 12, 13, 14})
ROW_CHILDREN = frozenset({2, 4, *SELECT_TYPES})


class FormErrors:
    """Collects (path, code, message) problems and renders Discord's error body."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, str, str]] = []

    def add(self, path: Path, code: str, message: str) -> None:
        self.items.append((path, code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def errors(self) -> dict[str, Any]:
        root: dict[str, Any] = {}
        for path, code, message in self.items:
            node = root
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def summary(self) -> str:
        return "; ".join(
            f"{'.'.join(str(p) for p in path) or '<body>'}: {message}"
            for path, _, message in self.items
        )


# --------------------------------------------------------------------------- primitives


def check_str(
    errs: FormErrors,
    path: Path,
    value: Any,
    max_len: int,
    *,
    min_len: int = 0,
    required: bool = False,
) -> int:
    """Check an optional string field; return its length (0 when absent)."""
    if value is None:
        if required:
            errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return 0
    if not isinstance(value, str):
        errs.add(path, "BASE_TYPE_STRING", "Must be a string.")
        return 0
    n = len(value)
    if n > max_len or n < min_len:
        if min_len:
            errs.add(
                path, "BASE_TYPE_BAD_LENGTH", f"Must be between {min_len} and {max_len} in length."
            )
        else:
            errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {max_len} or fewer in length.")
    return n


def check_list(
    errs: FormErrors, path: Path, value: Any, max_len: int, *, min_len: int = 0
) -> list[Any]:
    if value is None:
        if min_len:
            errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return []
    if not isinstance(value, list):
        errs.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return []
    if len(value) > max_len or len(value) < min_len:
        if min_len:
            errs.add(
                path, "BASE_TYPE_BAD_LENGTH", f"Must be between {min_len} and {max_len} in length."
            )
        else:
            errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {max_len} or fewer in length.")
    return value


def check_int(
    errs: FormErrors, path: Path, value: Any, lo: float, hi: float, *, required: bool = False
) -> None:
    if value is None:
        if required:
            errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        errs.add(path, "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
        return
    if value < lo or value > hi:
        errs.add(
            path, "NUMBER_TYPE_MAX" if value > hi else "NUMBER_TYPE_MIN", f"Must be {lo}-{hi}."
        )


def _is_dict(errs: FormErrors, path: Path, value: Any) -> bool:
    if not isinstance(value, dict):
        errs.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return False
    return True


# --------------------------------------------------------------------------- embeds


def validate_embeds(errs: FormErrors, embeds: Any, path: Path = ("embeds",)) -> None:
    items = check_list(errs, path, embeds, EMBEDS_PER_MESSAGE)
    total = 0
    for i, embed in enumerate(items):
        p = (*path, i)
        if not _is_dict(errs, p, embed):
            continue
        total += check_str(errs, (*p, "title"), embed.get("title"), EMBED_TITLE)
        total += check_str(errs, (*p, "description"), embed.get("description"), EMBED_DESCRIPTION)
        fields = check_list(errs, (*p, "fields"), embed.get("fields"), EMBED_FIELDS)
        for j, field in enumerate(fields):
            fp = (*p, "fields", j)
            if not _is_dict(errs, fp, field):
                continue
            total += check_str(
                errs, (*fp, "name"), field.get("name"), EMBED_FIELD_NAME, min_len=1, required=True
            )
            total += check_str(
                errs,
                (*fp, "value"),
                field.get("value"),
                EMBED_FIELD_VALUE,
                min_len=1,
                required=True,
            )
        footer = embed.get("footer")
        if footer is not None and _is_dict(errs, (*p, "footer"), footer):
            total += check_str(
                errs, (*p, "footer", "text"), footer.get("text"), EMBED_FOOTER, required=True
            )
        author = embed.get("author")
        if author is not None and _is_dict(errs, (*p, "author"), author):
            total += check_str(
                errs, (*p, "author", "name"), author.get("name"), EMBED_AUTHOR, required=True
            )
    if total > EMBED_TOTAL:
        errs.add(
            path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL}"
        )


# --------------------------------------------------------------------------- components


class _ComponentWalk:
    def __init__(self, errs: FormErrors, *, in_modal: bool) -> None:
        self.errs = errs
        self.in_modal = in_modal
        self.custom_ids: set[str] = set()
        self.count = 0
        self.text_total = 0

    def custom_id(self, path: Path, value: Any, *, required: bool = True) -> None:
        if value is None and not required:
            return
        check_str(self.errs, (*path, "custom_id"), value, CUSTOM_ID, min_len=1, required=required)
        if isinstance(value, str):
            if value in self.custom_ids:
                self.errs.add(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            self.custom_ids.add(value)

    def component(self, path: Path, comp: Any) -> None:
        errs = self.errs
        if not _is_dict(errs, path, comp):
            return
        self.count += 1
        ctype = comp.get("type")
        if ctype == 1:
            self.action_row(path, comp)
        elif ctype == 2:
            self.button(path, comp)
        elif ctype in SELECT_TYPES:
            self.select(path, comp)
        elif ctype == 4:
            self.text_input(path, comp, labelled=False)
        elif ctype == 9:  # section: 1-3 text displays beside one button or thumbnail
            kids = check_list(errs, (*path, "components"), comp.get("components"), 3, min_len=1)
            for i, kid in enumerate(kids):
                if isinstance(kid, dict) and kid.get("type") != 10:
                    self.bad_child((*path, "components", i), "Sections hold text displays only")
                    continue
                self.component((*path, "components", i), kid)
            accessory = comp.get("accessory")
            if accessory is None:
                errs.add((*path, "accessory"), "BASE_TYPE_REQUIRED", "This field is required")
            elif isinstance(accessory, dict) and accessory.get("type") not in (2, 11):
                self.bad_child((*path, "accessory"), "An accessory is a button or a thumbnail")
            else:
                self.component((*path, "accessory"), accessory)
        elif ctype == 10:  # text display
            self.text_total += check_str(
                errs, (*path, "content"), comp.get("content"), V2_TEXT, min_len=1, required=True
            )
        elif ctype == 11:  # thumbnail
            self.media(path, comp.get("media"))
            check_str(errs, (*path, "description"), comp.get("description"), MEDIA_DESCRIPTION)
        elif ctype == 12:  # media gallery
            items = check_list(errs, (*path, "items"), comp.get("items"), GALLERY_ITEMS, min_len=1)
            for i, item in enumerate(items):
                ip = (*path, "items", i)
                if _is_dict(errs, ip, item):
                    self.media(ip, item.get("media"))
                    check_str(
                        errs, (*ip, "description"), item.get("description"), MEDIA_DESCRIPTION
                    )
        elif ctype == 13:  # file: only an attachment of this message
            file = comp.get("file")
            url = file.get("url") if isinstance(file, dict) else None
            if not isinstance(url, str) or not url.startswith("attachment://"):
                errs.add(
                    (*path, "file", "url"),
                    "COMPONENT_FILE_URL_INVALID",
                    "File components only take attachment:// urls",
                )
        elif ctype == 14:  # separator
            check_int(errs, (*path, "spacing"), comp.get("spacing"), 1, 2)
        elif ctype == 17:  # container: no container inside a container
            kids = check_list(errs, (*path, "components"), comp.get("components"), 40, min_len=1)
            for i, kid in enumerate(kids):
                if isinstance(kid, dict) and kid.get("type") not in CONTAINER_CHILDREN:
                    self.bad_child((*path, "components", i), "Invalid component in a container")
                    continue
                self.component((*path, "components", i), kid)
            colour = comp.get("accent_color")
            if colour is not None:
                check_int(errs, (*path, "accent_color"), colour, 0, 0xFFFFFF)
        elif ctype == 18:  # label (modals)
            check_str(
                errs,
                (*path, "label"),
                comp.get("label"),
                TEXT_INPUT_LABEL,
                min_len=1,
                required=True,
            )
            check_str(errs, (*path, "description"), comp.get("description"), LABEL_DESCRIPTION)
            inner = comp.get("component")
            if inner is None:
                errs.add((*path, "component"), "BASE_TYPE_REQUIRED", "This field is required")
            elif _is_dict(errs, (*path, "component"), inner):
                self.count += 1
                if inner.get("type") == 4:
                    self.text_input((*path, "component"), inner, labelled=True)
                elif inner.get("type") in SELECT_TYPES:
                    self.select((*path, "component"), inner)
                else:
                    self.custom_id((*path, "component"), inner.get("custom_id"), required=False)
        elif ctype in (19, 21, 22, 23):  # file upload, radio, checkbox group, checkbox
            self.custom_id(path, comp.get("custom_id"))
        else:
            errs.add((*path, "type"), "ENUM_TYPE_COERCE", f"Value {ctype!r} is not a valid enum.")

    def bad_child(self, path: Path, message: str) -> None:
        self.errs.add((*path, "type"), "COMPONENT_TYPE_INVALID", message)

    def media(self, path: Path, media: Any) -> None:
        """An unfurled media item: an http(s) or attachment:// url."""
        url = media.get("url") if isinstance(media, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://", "attachment://")):
            self.errs.add((*path, "media", "url"), "BASE_TYPE_REQUIRED", "A media url is required")

    def action_row(self, path: Path, row: dict[str, Any]) -> None:
        errs = self.errs
        kids = check_list(
            errs, (*path, "components"), row.get("components"), BUTTONS_PER_ROW, min_len=1
        )
        kinds = {k.get("type") for k in kids if isinstance(k, dict)}
        if kinds & SELECT_TYPES and len(kids) > 1:
            errs.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        if 4 in kinds and not self.in_modal:
            errs.add((*path, "components"), "COMPONENT_TYPE_INVALID", "Invalid component type")
        for i, kid in enumerate(kids):
            if isinstance(kid, dict) and kid.get("type") == 1:
                errs.add(
                    (*path, "components", i, "type"),
                    "COMPONENT_TYPE_INVALID",
                    "Action rows cannot be nested",
                )
                continue
            if isinstance(kid, dict) and kid.get("type") not in ROW_CHILDREN:
                self.bad_child((*path, "components", i), "Action rows hold buttons or selects")
                continue
            self.component((*path, "components", i), kid)

    def button(self, path: Path, comp: dict[str, Any]) -> None:
        errs = self.errs
        style = comp.get("style")
        check_int(errs, (*path, "style"), style, 1, 6, required=True)
        check_str(errs, (*path, "label"), comp.get("label"), BUTTON_LABEL)
        if style == 5:
            check_str(errs, (*path, "url"), comp.get("url"), 512, min_len=1, required=True)
            if comp.get("custom_id") is not None:
                errs.add(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_FORBIDDEN",
                    "A custom id cannot be provided for link buttons",
                )
        elif style == 6:
            if comp.get("sku_id") is None:
                errs.add((*path, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
        else:
            self.custom_id(path, comp.get("custom_id"))
        if style != 6 and not comp.get("label") and not comp.get("emoji"):
            errs.add(
                path, "BUTTON_COMPONENT_INVALID", "A label or emoji must be provided for buttons"
            )

    def select(self, path: Path, comp: dict[str, Any]) -> None:
        errs = self.errs
        self.custom_id(path, comp.get("custom_id"))
        check_str(errs, (*path, "placeholder"), comp.get("placeholder"), SELECT_PLACEHOLDER)
        check_int(errs, (*path, "min_values"), comp.get("min_values"), 0, 25)
        check_int(errs, (*path, "max_values"), comp.get("max_values"), 1, 25)
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            errs.add((*path, "min_values"), "SELECT_COMPONENT_MIN_MAX_INVALID", "min > max")
        if comp.get("type") != 3:
            return
        options = check_list(
            errs, (*path, "options"), comp.get("options"), SELECT_OPTIONS, min_len=1
        )
        values: set[str] = set()
        for i, opt in enumerate(options):
            op = (*path, "options", i)
            if not _is_dict(errs, op, opt):
                continue
            check_str(
                errs, (*op, "label"), opt.get("label"), SELECT_OPTION_TEXT, min_len=1, required=True
            )
            check_str(
                errs, (*op, "value"), opt.get("value"), SELECT_OPTION_TEXT, min_len=1, required=True
            )
            check_str(errs, (*op, "description"), opt.get("description"), SELECT_OPTION_TEXT)
            value = opt.get("value")
            if isinstance(value, str):
                if value in values:
                    errs.add(
                        (*op, "value"),
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select option values must be unique",
                    )
                values.add(value)
        if isinstance(hi, int) and options and hi > len(options):
            errs.add(
                (*path, "max_values"),
                "SELECT_COMPONENT_OPTIONS_TOO_FEW",
                "max_values may not exceed the number of options",
            )

    def text_input(self, path: Path, comp: dict[str, Any], *, labelled: bool) -> None:
        errs = self.errs
        if not self.in_modal:
            errs.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Text inputs only fit in modals")
        self.custom_id(path, comp.get("custom_id"))
        check_int(errs, (*path, "style"), comp.get("style"), 1, 2, required=True)
        check_str(
            errs,
            (*path, "label"),
            comp.get("label"),
            TEXT_INPUT_LABEL,
            min_len=1,
            required=not labelled,
        )
        check_str(errs, (*path, "placeholder"), comp.get("placeholder"), TEXT_INPUT_PLACEHOLDER)
        check_str(errs, (*path, "value"), comp.get("value"), TEXT_INPUT_VALUE)
        check_int(errs, (*path, "min_length"), comp.get("min_length"), 0, TEXT_INPUT_VALUE)
        check_int(errs, (*path, "max_length"), comp.get("max_length"), 1, TEXT_INPUT_VALUE)


def validate_components(
    errs: FormErrors, components: Any, *, v2: bool, path: Path = ("components",)
) -> None:
    """Message components: classic action rows, or the components-v2 layout."""
    items = check_list(errs, path, components, 40 if v2 else ACTION_ROWS)
    walk = _ComponentWalk(errs, in_modal=False)
    for i, comp in enumerate(items):
        cp = (*path, i)
        if not v2 and isinstance(comp, dict) and comp.get("type") != 1:
            errs.add((*cp, "type"), "COMPONENT_TYPE_INVALID", "Top-level components must be rows")
            continue
        if v2 and isinstance(comp, dict) and comp.get("type") not in LAYOUT_TYPES_V2:
            errs.add((*cp, "type"), "COMPONENT_TYPE_INVALID", "Invalid top-level component")
            continue
        walk.component(cp, comp)
    if v2:
        if walk.count > V2_COMPONENTS:
            errs.add(path, "COMPONENTS_TOO_MANY", f"Must be {V2_COMPONENTS} or fewer in total.")
        if walk.text_total > V2_TEXT:
            errs.add(
                path,
                "TEXT_DISPLAY_CONTENT_TOO_LONG",
                f"Text display content must be {V2_TEXT} or fewer in total.",
            )


# --------------------------------------------------------------------------- polls


def validate_poll(errs: FormErrors, poll: Any, path: Path = ("poll",)) -> None:
    if not _is_dict(errs, path, poll):
        return
    question = poll.get("question")
    if not isinstance(question, dict):
        errs.add((*path, "question"), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        check_str(
            errs,
            (*path, "question", "text"),
            question.get("text"),
            POLL_QUESTION,
            min_len=1,
            required=True,
        )
    answers = check_list(errs, (*path, "answers"), poll.get("answers"), POLL_ANSWERS, min_len=1)
    for i, answer in enumerate(answers):
        ap = (*path, "answers", i)
        if not _is_dict(errs, ap, answer):
            continue
        media = answer.get("poll_media")
        if not isinstance(media, dict):
            errs.add((*ap, "poll_media"), "BASE_TYPE_REQUIRED", "This field is required")
            continue
        check_str(
            errs,
            (*ap, "poll_media", "text"),
            media.get("text"),
            POLL_ANSWER_TEXT,
            min_len=1,
            required=True,
        )
    check_int(errs, (*path, "duration"), poll.get("duration", 24), 1, POLL_MAX_HOURS)
    layout = poll.get("layout_type", 1)
    if layout != 1:
        errs.add((*path, "layout_type"), "ENUM_TYPE_COERCE", f"Value {layout!r} is not valid.")


# --------------------------------------------------------------------------- messages


def validate_message(
    errs: FormErrors,
    message: dict[str, Any],
    *,
    file_count: int = 0,
    allow_ephemeral: bool = False,
    require_body: bool = True,
) -> None:
    """A message as it would stand after the request (create, or edit merged in)."""
    flags = message.get("flags") or 0
    if not isinstance(flags, int):
        errs.add(("flags",), "NUMBER_TYPE_COERCE", "Flags must be an integer.")
        flags = 0
    v2 = bool(flags & FLAG_IS_COMPONENTS_V2)
    content = message.get("content")
    embeds = message.get("embeds")
    check_str(errs, ("content",), content, MESSAGE_CONTENT)
    if embeds is not None:
        validate_embeds(errs, embeds)
    components = message.get("components")
    if components is not None:
        validate_components(errs, components, v2=v2)
    poll = message.get("poll")
    if poll is not None:
        validate_poll(errs, poll)
    if v2:
        for key in ("content", "embeds", "poll", "sticker_ids"):
            if message.get(key):
                errs.add(
                    (key,),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    f"'{key}' cannot be used when IS_COMPONENTS_V2 is set",
                )
    if flags & FLAG_EPHEMERAL and not allow_ephemeral:
        errs.add(("flags",), "MESSAGE_FLAGS_INVALID", "Ephemeral is only valid in interactions")
    if file_count > FILES_PER_MESSAGE:
        errs.add(("files",), "BASE_TYPE_MAX_LENGTH", f"Must be {FILES_PER_MESSAGE} or fewer.")
    if require_body and not (
        content
        or embeds
        or components
        or poll
        or message.get("sticker_ids")
        or message.get("attachments")
        or file_count
    ):
        errs.add((), "MESSAGE_EMPTY", "Cannot send an empty message")


# --------------------------------------------------------------------------- modals, autocomplete


def validate_modal(errs: FormErrors, data: Any, path: Path = ("data",)) -> None:
    if not _is_dict(errs, path, data):
        return
    check_str(errs, (*path, "title"), data.get("title"), MODAL_TITLE, min_len=1, required=True)
    walk = _ComponentWalk(errs, in_modal=True)
    walk.custom_id(path, data.get("custom_id"))
    walk.custom_ids.clear()  # the modal's own id does not clash with its inputs
    comps = check_list(
        errs, (*path, "components"), data.get("components"), MODAL_COMPONENTS, min_len=1
    )
    for i, comp in enumerate(comps):
        cp = (*path, "components", i)
        if isinstance(comp, dict) and comp.get("type") not in (1, 10, 18):
            errs.add((*cp, "type"), "COMPONENT_TYPE_INVALID", "Invalid modal component")
            continue
        if isinstance(comp, dict) and comp.get("type") == 1:
            kids = comp.get("components")
            if isinstance(kids, list) and len(kids) != 1:
                errs.add((*cp, "components"), "BASE_TYPE_BAD_LENGTH", "Must be 1 in length.")
        walk.component(cp, comp)


def validate_autocomplete(errs: FormErrors, data: Any, path: Path = ("data",)) -> None:
    if not _is_dict(errs, path, data):
        return
    choices = check_list(errs, (*path, "choices"), data.get("choices"), AUTOCOMPLETE_CHOICES)
    for i, choice in enumerate(choices):
        validate_choice(errs, (*path, "choices", i), choice)


def validate_choice(errs: FormErrors, path: Path, choice: Any) -> int:
    if not _is_dict(errs, path, choice):
        return 0
    n = check_str(errs, (*path, "name"), choice.get("name"), 100, min_len=1, required=True)
    validate_localizations(errs, path, choice, names="choice")
    value = choice.get("value")
    if isinstance(value, str):
        n += check_str(errs, (*path, "value"), value, 100)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        errs.add((*path, "value"), "BASE_TYPE_REQUIRED", "A string or number is required")
    return n


# --------------------------------------------------------------------------- application commands


# Discord's locales (API v10, "Locales"): the keys name/description localisations may use.
DISCORD_LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)


def validate_localizations(
    errs: FormErrors, path: Path, obj: dict[str, Any], *, names: str | None
) -> None:
    """`name_localizations` / `description_localizations`: known locales only; a localised
    name follows the same rule as the name (`names`: "command" or "choice"); a localised
    description is 1-100 characters, as the description."""
    for key in ("name_localizations", "description_localizations"):
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            errs.add((*path, key), "DICT_TYPE_CONVERT", "Only dictionaries may be used")
            continue
        for locale, text in value.items():
            where = (*path, key, locale)
            if locale not in DISCORD_LOCALES:
                errs.add(where, "LOCALE_INVALID", f"Invalid locale {locale!r}")
            elif key == "description_localizations":
                check_str(errs, where, text, COMMAND_DESCRIPTION, min_len=1, required=True)
            elif names == "choice":
                check_str(errs, where, text, 100, min_len=1, required=True)
            elif not valid_command_name(text, chat_input=True):
                errs.add(where, "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {text!r}")


def valid_command_name(name: Any, *, chat_input: bool) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME:
        return False
    if not chat_input:
        return True
    return name == name.lower() and all(c in "-_" or c.isalnum() for c in name)


def _validate_option(errs: FormErrors, path: Path, opt: Any, *, depth: int) -> int:
    if not _is_dict(errs, path, opt):
        return 0
    total = 0
    name = opt.get("name")
    if not valid_command_name(name, chat_input=True):
        errs.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}")
    validate_localizations(errs, path, opt, names="command")
    total += len(name) if isinstance(name, str) else 0
    total += check_str(
        errs,
        (*path, "description"),
        opt.get("description"),
        COMMAND_DESCRIPTION,
        min_len=1,
        required=True,
    )
    otype = opt.get("type")
    check_int(errs, (*path, "type"), otype, 1, 11, required=True)
    choices = opt.get("choices")
    if choices is not None:
        items = check_list(errs, (*path, "choices"), choices, COMMAND_CHOICES)
        for i, choice in enumerate(items):
            total += validate_choice(errs, (*path, "choices", i), choice)
        if items and opt.get("autocomplete"):
            errs.add(
                (*path, "autocomplete"),
                "AUTOCOMPLETE_CHOICES_CONFLICT",
                "Autocomplete cannot be set with choices",
            )
    check_int(errs, (*path, "min_length"), opt.get("min_length"), 0, 6000)
    check_int(errs, (*path, "max_length"), opt.get("max_length"), 1, 6000)
    sub = opt.get("options")
    if otype in (1, 2):
        if otype == 2 and depth >= 1:
            errs.add(
                (*path, "type"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Subcommand groups cannot be nested",
            )
        total += _validate_options(errs, (*path, "options"), sub, depth=depth + 1, group=otype == 2)
    elif sub:
        errs.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Only subcommands and groups may have options",
        )
    return total


def _validate_options(
    errs: FormErrors, path: Path, options: Any, *, depth: int, group: bool = False
) -> int:
    items = check_list(errs, path, options, COMMAND_OPTIONS)
    total = 0
    seen: set[str] = set()
    optional_seen = False
    kinds = {o.get("type") for o in items if isinstance(o, dict)}
    if kinds & {1, 2} and kinds - {1, 2}:
        errs.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommands cannot be mixed with other options",
        )
    if group and kinds - {1}:
        errs.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommand groups may only hold subcommands",
        )
    for i, opt in enumerate(items):
        total += _validate_option(errs, (*path, i), opt, depth=depth)
        if not isinstance(opt, dict):
            continue
        if opt.get("name") in seen:
            errs.add(
                (*path, i, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        seen.add(opt.get("name"))
        if opt.get("type") not in (1, 2):
            if opt.get("required"):
                if optional_seen:
                    errs.add(
                        (*path, i, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                optional_seen = True
    return total


def validate_command(errs: FormErrors, path: Path, cmd: Any) -> None:
    if not _is_dict(errs, path, cmd):
        return
    ctype = cmd.get("type", 1)
    check_int(errs, (*path, "type"), ctype, 1, 4)
    name = cmd.get("name")
    if not valid_command_name(name, chat_input=ctype == 1):
        errs.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}")
    validate_localizations(errs, path, cmd, names="command")
    total = len(name) if isinstance(name, str) else 0
    if ctype == 1:
        total += check_str(
            errs,
            (*path, "description"),
            cmd.get("description"),
            COMMAND_DESCRIPTION,
            min_len=1,
            required=True,
        )
        total += _validate_options(errs, (*path, "options"), cmd.get("options"), depth=0)
    elif cmd.get("description"):
        errs.add(
            (*path, "description"),
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have a description",
        )
    if total > COMMAND_TOTAL_CHARS:
        errs.add(
            path,
            "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({COMMAND_TOTAL_CHARS})",
        )


def validate_command_list(errs: FormErrors, commands: Any) -> None:
    if not isinstance(commands, list):
        errs.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return
    seen: set[tuple[Any, Any]] = set()
    per_type: dict[Any, int] = {}
    for i, cmd in enumerate(commands):
        validate_command(errs, (i,), cmd)
        if not isinstance(cmd, dict):
            continue
        key = (cmd.get("type", 1), cmd.get("name"))
        if key in seen:
            errs.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {cmd.get('name')!r}",
            )
        seen.add(key)
        per_type[key[0]] = per_type.get(key[0], 0) + 1
    if per_type.get(1, 0) > GLOBAL_CHAT_COMMANDS:
        errs.add((), "MAX_APPLICATION_COMMANDS", "Maximum number of application commands (100)")
    for ctype in (2, 3):
        if per_type.get(ctype, 0) > CONTEXT_MENU_COMMANDS:
            errs.add((), "MAX_APPLICATION_COMMANDS", "Too many context menu commands")
