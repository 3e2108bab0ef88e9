"""The audit trail: the signed hash chain, its verification, reviews, fairness by
group and the audit report."""

__all__: list[str] = []  # used through register.Register; its components are curated here
