"""One module per upload format; :mod:`.base` holds what they share."""
