"""Writing to the register: registration, publication, retirement and what they store
for auditors."""
