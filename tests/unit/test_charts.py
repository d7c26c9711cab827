"""The server-drawn SVG charts: well-formed, proportional, escaped, honest about bad input."""
from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest

from bot.admin.charts import Series, distribution, histogram, nice_top, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def bars(svg: str) -> list[dict]:
    return [r.attrib | {"title": r.find(f"{SVG}title").text}
            for r in parse(svg).iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_stacked_bars_are_well_formed_svg_with_a_title_and_a_legend():
    svg = stacked_bars(["1月", "2月"], [Series("按时", "#15803d", [3, 1]),
                                       Series("逾期", "#d97706", [1, 0])], title="报送情况")
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == "报送情况"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"报送情况", "按时", "逾期", "1月", "2月"} <= set(texts)


def test_bar_heights_are_proportional_and_stack_in_order():
    svg = stacked_bars(["a", "b"], [Series("x", "#000", [4, 2]), Series("y", "#111", [2, 0])],
                       title="t")
    drawn = bars(svg)
    assert [d["title"] for d in drawn] == ["a x 4", "a y 2", "b x 2"]
    heights = [float(d["height"]) for d in drawn]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)
    assert heights[1] == pytest.approx(heights[2], abs=0.2)
    first, second = drawn[0], drawn[1]
    assert float(second["y"]) + float(second["height"]) == pytest.approx(float(first["y"]),
                                                                         abs=0.2)


def test_zero_values_draw_no_bar_and_empty_data_still_draws_the_axis():
    assert bars(stacked_bars(["a"], [Series("x", "#000", [0])], title="t")) == []
    root = parse(stacked_bars([], [], title="空"))
    assert root.find(f"{SVG}line") is not None


def test_labels_are_escaped():
    svg = stacked_bars(['<b>&"'], [Series("<i>", "#000", [1])], title="<script>x</script>")
    assert "<script>" not in svg and "<b>" not in svg
    assert parse(svg).get("aria-label") == "<script>x</script>"


@pytest.mark.parametrize("values", [[1, 2], [-1]])
def test_values_must_match_the_bars_and_not_be_negative(values):
    with pytest.raises(ValueError):
        stacked_bars(["a"], [Series("x", "#000", values)], title="t")


@pytest.mark.parametrize("largest, top, step", [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 2), (30, 30, 10), (99, 100, 20),
    (120, 150, 50)])
def test_the_axis_top_is_a_round_number_with_few_ticks(largest, top, step):
    assert nice_top(largest) == (top, step)


def test_percentages_fall_in_bins_of_ten_with_full_marks_in_the_last_and_more_above():
    labels, counts = distribution([Decimal("0"), Decimal("9.99"), Decimal("10"),
                                   Decimal("100"), Decimal("100.01"), Decimal("55")])
    assert labels[0] == "0–10" and labels[-2] == "90–100" and labels[-1] == ">100"
    assert counts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1]


def test_a_histogram_counts_the_values():
    drawn = bars(histogram([Decimal("75"), Decimal("78"), Decimal("31")], title="分布"))
    assert [d["title"] for d in drawn] == ["30–40 单位数 1", "70–80 单位数 2"]
