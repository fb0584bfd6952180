"""Discord's size limits (API v10), in one place; see shared DISCORD_LIMITS.md."""

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
BUTTON_LABEL = 80
CUSTOM_ID = 100
MODAL_TITLE = 45
INPUT_LABEL = 45
SELECT_OPTION = 100
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Shorten visibly (with an ellipsis) rather than let Discord reject the message."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
