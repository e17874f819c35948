"""The one check of a choice among names, with the message Keras would give.

Every ``core`` function that takes one of a fixed set of names (an optimizer, an
activation, a loss, a dataset, ...) checks it here, so a wrong name always reads
the same way: which argument, what was received, and what is allowed, in the
order a learner meets them.
"""

import numpy as np


def _plural(noun):
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def check_choice(argument, value, valid):
    """``value`` if it is one of ``valid``, else a ValueError naming the valid ones.

    ``argument`` names what is chosen (``"optimizer"``, ``"regression loss"``); the
    message reads e.g. ``Invalid optimizer: received 'adamm'. Valid optimizers: sgd,
    momentum, ...``, listing ``valid`` in its own order.
    """
    valid = tuple(valid)
    try:
        found = value in valid
    except (TypeError, ValueError):  # e.g. an array, compared elementwise
        found = False
    if isinstance(value, bool | np.bool_) and not any(isinstance(c, bool) for c in valid):
        found = False  # True == 1, but True is not the choice 1
    if found:
        return value
    listed = ", ".join(str(choice) for choice in valid) or "none"
    raise ValueError(
        f"Invalid {argument}: received {value!r}. Valid {_plural(argument)}: {listed}."
    )
