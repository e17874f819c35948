"""Keyword parameters of an activation, a loss or a surface: defaults merged with the caller's."""


def merge_params(name, defaults, given):
    """``{**defaults, **given}``; a name not in ``defaults`` raises, listing the valid ones."""
    unknown = set(given) - set(defaults)
    if unknown:
        valid = ", ".join(defaults) or "none"
        raise ValueError(
            f"{name} has no parameter {', '.join(sorted(unknown))}. Valid parameters: {valid}."
        )
    return {**defaults, **given}
