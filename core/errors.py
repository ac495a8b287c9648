"""The one exception type of the program's rules."""


class RuleError(ValueError):
    """A request that the program's rules do not allow; the message is shown to people."""
