"""The audit trail: the signed hash chain, its verification, reviews, fairness by
group and the audit report."""
