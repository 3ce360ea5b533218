"""How fast the simulated customer reads and speaks: the live session and `simulate` share it."""


def think_delay(text: str) -> float:
    """Seconds a customer takes before answering: longer lines take longer to read."""
    return min(0.8 + 0.03 * len(text), 3.0)


def typing_delay(chunk: str, language: str) -> float:
    """Seconds to 'type' one shown piece of the reply."""
    return 0.06 * len(chunk.strip()) if language == "zh" else 0.09


def speaking_time(text: str, language: str) -> float:
    """Seconds a whole reply takes to appear (the sum of its pieces' typing delays, roughly)."""
    return round(len(text) * (0.06 if language == "zh" else 0.018), 3)
