"""Filling absent fields (shape fixes never overwrite what is there)."""


def fill(obj, **defaults):
    """Set fields that are absent (never overwrite what is there)."""
    for k, v in defaults.items():
        if k not in obj:
            obj[k] = v


def fill_none(obj, **defaults):
    """Set fields that are absent or null."""
    for k, v in defaults.items():
        if obj.get(k) is None:
            obj[k] = v
