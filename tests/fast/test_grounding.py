"""Label grounding with the offline sentence encoder: synonyms map, nonsense is unknown."""

import pytest

from groundplan.perception.grounding import LabelGrounder


@pytest.fixture(scope="module")
def grounder():
    return LabelGrounder()


def test_catalog_words_map_exactly(grounder):
    for word, category in [("mug", "Mug"), ("Refrigerator", "Fridge"), ("nightstand", "SideTable"),
                           ("ButterKnife", "ButterKnife"), ("cellphones", "CellPhone")]:
        g = grounder.ground(word)
        assert (g.category, g.score) == (category, 1.0), word


def test_paraphrases_map_through_embeddings(grounder):
    results = {g.word: g for g in grounder.ground_many(["fridge freezer", "cellular phone", "kitchen worktop",
                                                        "trash bin"])}
    assert results["fridge freezer"].category == "Fridge"
    assert results["cellular phone"].category == "CellPhone"
    assert results["kitchen worktop"].category == "CounterTop"
    assert results["trash bin"].category == "GarbageCan"
    assert all(0.7 <= g.score < 1.0 for g in results.values())


def test_nonsense_and_absent_objects_are_unknown(grounder):
    for word in ["xyzzy qwerty", "banana", "spaceship", "giraffe"]:
        g = grounder.ground(word)
        assert not g.known and g.candidates, g.explain()
        assert "is unknown" in g.explain()


def test_ambiguous_words_are_not_guessed(grounder):
    g = grounder.ground("lamp")  # a floor lamp and a desk lamp are both lamps
    assert not g.known and {c for c, _ in g.candidates[:2]} == {"FloorLamp", "DeskLamp"}
