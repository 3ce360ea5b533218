"""The error every certification rule raises: a code for clients, a message for people."""


class CertificationError(ValueError):
    """A certification request that breaks its rules; `code` says which, the message why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)
