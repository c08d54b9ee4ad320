"""Messages put together from translated text and values, reading as one sentence."""


def fill(message: str, values: dict) -> str:
    """`message % values`, without a second full stop after a value that ends in one: a time
    such as "8:04 p.m." before the message's own (English: "Restored the version of Nov. 5,
    2026, 8:04 p.m.", not "p.m.."), wherever each language puts it."""
    text = message % values
    for value in values.values():
        value = str(value)
        if value.endswith("."):
            text = text.replace(f"{value}.", value)
    return text
