"""What each explained number is: the definitions stored with every explanation.

Every text is a module-level constant (a ``str.format`` template naming the class);
:func:`definition` picks the one that applies to a :class:`~._select.Choice`.
"""

from __future__ import annotations

from ._select import Choice

EXACT_PREDICTION = (
    "interventional Shapley values of the model's prediction against the background rows "
    "(exact, float64)"
)
EXACT_FOREST_PROBABILITY = (
    "interventional Shapley values of the predicted probability of class {label} against the "
    "background rows (exact, float64: the probability is the average of the trees' leaf "
    "class shares, which is linear in the trees)"
)
EXACT_MARGIN = (
    "interventional Shapley values of the margin (log-odds) of class {label} against the "
    "background rows (exact, float64)"
)
EXACT_MULTICLASS_MARGIN = (
    "interventional Shapley values of the raw margin (softmax logit) of class {label} "
    "against the background rows (exact, float64); no probability view: the probability is "
    "a softmax over every class's margin"
)
RESCALED_PROBABILITY = (
    "probability of class {label} as shap's per-reference rescaling of the exact margin "
    "(log-odds) attributions: against each background row z the margin attributions are "
    "multiplied by (p(x) - p(z)) / (f(x) - f(z)) and then averaged over the background; they "
    "add up to the probability but are not the Shapley values of the probability itself, "
    "which can differ by 0.2 or more in probability (measured on 6-feature boosted models)"
)
LINEAR_LOG_ODDS = (
    "interventional Shapley values of the log-odds (decision function) of class {label} "
    "against the background rows (exact for a linear model)"
)
LINEAR_RAW = (
    "interventional Shapley values of the model's prediction against the background rows "
    "(exact for a linear model)"
)
AGNOSTIC = (
    "Interventional Shapley values of {output} over the model's original input columns: "
    "v(S) = mean over the background rows b of f(x on the columns in S, b elsewhere); "
    "phi_i = sum over S without i of |S|!(M-|S|-1)!/M! * (v(S+i) - v(S)). "
    "They add up exactly: sum(phi) = f(x) - mean of f over the background."
)
"""Model-agnostic models (explainers._agnostic): exact by enumeration or sampled with an
estimated error, which ``metadata.estimation`` states."""
LEGACY = (
    "not recorded (explained before insyn stored definitions; tree models then followed "
    "shap.TreeExplainer's float32 arithmetic on the scale shown)"
)
"""The definition of an explanation stored without one."""
LEGACY_BACKGROUND = "not recorded (explained before insyn stated how the background was drawn)"
SAMPLED_BACKGROUND = (
    "a seeded sample of {size} of the {rows} reference rows, drawn without replacement by "
    "numpy.random.default_rng({seed}) and kept in reference order"
)
ALL_BACKGROUND = "all {rows} reference rows (no sampling: background_size {size} >= rows)"


def definition(choice: Choice) -> str:
    """The definition of the published values of ``choice``."""
    label = repr(choice.positive_class_label)
    if choice.kind == "tree":
        if not choice.is_classifier:
            return EXACT_PREDICTION
        if choice.scale == "log_odds":
            return EXACT_MULTICLASS_MARGIN.format(label=label)
        if choice.boosted:
            return RESCALED_PROBABILITY.format(label=label)
        return EXACT_FOREST_PROBABILITY.format(label=label)
    if choice.kind == "linear":
        return LINEAR_LOG_ODDS.format(label=label) if choice.is_classifier else LINEAR_RAW
    if choice.is_classifier:
        output = f"the model's probability of class {choice.positive_class_label}"
    else:
        output = "the model's prediction"
    return AGNOSTIC.format(output=output)


def margin_definition(choice: Choice) -> str | None:
    """The definition of the margin view a binary boosted classifier also gets, else None."""
    if choice.kind == "tree" and choice.boosted and choice.scale == "probability":
        return EXACT_MARGIN.format(label=repr(choice.positive_class_label))
    return None


def background_drawn(size: int, rows: int, seed: int) -> str:
    """How :func:`~._explain.sample_background` drew ``min(size, rows)`` background rows."""
    if size >= rows:
        return ALL_BACKGROUND.format(rows=rows, size=size)
    return SAMPLED_BACKGROUND.format(size=size, rows=rows, seed=seed)
