"""Writing to the register: registration, publication, retirement and what they store
for auditors."""

__all__: list[str] = []  # used through register.Register; its components are curated here
