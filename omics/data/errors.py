"""The exception and warnings of bad input: in a module of their own, with no dependencies,
so that the ``omics`` command can name them without loading pandas at start-up.

The CLI turns :class:`InputError` into exit code 2 and one line; any other exception is a bug.
"""


class InputError(ValueError):
    """Bad input: the message says what is wrong and where."""


class OverlapWarning(UserWarning):
    """Tables cover different patients; the analysis uses the overlap."""


class OrientationWarning(UserWarning):
    """A matrix's orientation was guessed from its shape alone."""


class IdentifierWarning(UserWarning):
    """Identifiers were changed on reading (surrounding white space removed)."""
