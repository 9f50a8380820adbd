"""The unsure verdict: when the window and `classify` say "7, or maybe 2"."""

from __future__ import annotations

import numpy as np
import pytest

from model.inspect.verdict import MIN_CONFIDENCE, MIN_MARGIN, unsure_rule, verdict


def probabilities(**given: float) -> np.ndarray:
    p = np.zeros(10)
    for name, value in given.items():
        p[int(name[1:])] = value
    return p


def test_a_clear_answer_is_the_digit_alone():
    answer = verdict(probabilities(d7=0.97, d2=0.02, d1=0.01))
    assert not answer.unsure and answer.text == "7"
    assert (answer.top, answer.runner_up) == (7, 2)
    assert answer.confidence == pytest.approx(0.97) and answer.runner_up_confidence == pytest.approx(0.02)


def test_a_low_top_probability_or_a_close_runner_up_is_unsure():
    spread = probabilities(d7=0.6, d3=0.1, d1=0.1, d2=0.1, d8=0.1)
    assert verdict(spread, min_confidence=0.7, min_margin=0.0).text == "7, or maybe 1"  # first of the tied runners-up
    assert verdict(spread, min_confidence=0.5, min_margin=0.0).text == "7"
    close = probabilities(d4=0.55, d9=0.45)
    assert verdict(close, min_confidence=0.5, min_margin=0.2).text == "4, or maybe 9"
    assert verdict(close, min_confidence=0.5, min_margin=0.05).text == "4"
    assert verdict(probabilities(d4=MIN_CONFIDENCE - 0.01, d9=1 - MIN_CONFIDENCE + 0.01)).unsure
    top = max(MIN_CONFIDENCE, (1 + MIN_MARGIN) / 2) + 0.01
    assert not verdict(probabilities(d4=top, d9=1 - top)).unsure


def test_class_names_and_bad_input():
    answer = verdict([0.45, 0.55], names=["cat", "dog"])
    assert answer.text == "dog, or maybe cat" and answer.top == 1
    with pytest.raises(ValueError):
        verdict([1.0])
    with pytest.raises(ValueError):
        verdict([0.5, 0.5], names=["one"])


def test_the_rule_in_words_holds_at_the_figures_it_states():
    rule = unsure_rule()
    always = float(rule.split("always under ")[1].split("%")[0]) / 100
    never = float(rule.split("never at ")[1].split("%")[0]) / 100
    rng = np.random.default_rng(0)
    for top in np.linspace(0.0, 1.0, 401):
        rest = rng.dirichlet(np.ones(9)) * (1 - top)  # the other nine classes share what is left, any way
        p = np.insert(rest, 0, top)
        if p.argmax() != 0:
            continue
        if top < always:
            assert verdict(p).unsure, p
        if top >= never:
            assert not verdict(p).unsure, p
    assert f"under {MIN_CONFIDENCE:.0%}" in rule and f"within {MIN_MARGIN * 100:.0f} points" in rule
