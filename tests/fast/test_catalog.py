import pytest

from groundplan.errors import CatalogError
from groundplan.types.catalog import ROOM_TYPES, load_catalog, split_camel


def test_catalog_size_and_rooms(catalog):
    assert len(catalog) >= 40
    for room in ROOM_TYPES:
        assert len(catalog.in_room(room, "item")) >= 8, room
        assert catalog.in_room(room, "fixture"), room


def test_affordances_follow_alfworld(catalog):
    assert catalog.get("Fridge").has("cool_source") and catalog.get("Fridge").has("openable")
    assert catalog.get("Microwave").has("heat_source")
    assert catalog.get("SinkBasin").has("wash_place")
    assert catalog.get("Knife").has("slicer")
    assert catalog.get("Apple").has("sliceable") and catalog.get("Apple").is_item
    assert catalog.get("DeskLamp").has("light_source") and catalog.get("DeskLamp").has("toggleable")


def test_fit_rules(catalog):
    assert catalog.get("Fridge").can_hold(catalog.get("Apple"))
    assert not catalog.get("Drawer").can_hold(catalog.get("BaseballBat"))  # too long
    assert catalog.get("TowelHolder").can_hold(catalog.get("Towel"))
    assert not catalog.get("TowelHolder").can_hold(catalog.get("Apple"))  # accepts only towels
    assert catalog.get("Toaster").can_hold(catalog.get("Bread"))  # a toaster holds bread, and only bread
    assert not catalog.get("Toaster").can_hold(catalog.get("Apple"))
    assert catalog.get("Plate").can_hold(catalog.get("Bread"))
    assert catalog.get("Box").can_hold(catalog.get("RemoteControl"))
    assert catalog.get("Plate").can_hold(catalog.get("Bowl"))  # stacking where physical
    assert catalog.get("Plate").can_hold(catalog.get("Plate"))
    assert not catalog.get("Bowl").can_hold(catalog.get("Plate"))
    assert catalog.get("Pan").can_hold(catalog.get("Egg")) and not catalog.get("Pan").can_hold(catalog.get("Mug"))


def test_lookup_is_case_insensitive_and_errors_name_the_category(catalog):
    assert catalog.get("fridge").name == "Fridge"
    with pytest.raises(CatalogError, match="unknown object category 'Banana'"):
        catalog.get("Banana")


def test_synonyms_index(catalog):
    index = catalog.phrase_index()
    assert index["refrigerator"] == ("Fridge",)
    assert index["butter knife"] == ("ButterKnife",)
    assert set(index["lamp"]) == {"FloorLamp", "DeskLamp"}
    assert split_camel("TVStand") == "tv stand"


def test_every_reference_in_the_catalog_is_known(catalog):
    for cat in catalog:
        for ref in (*cat.found_in, *cat.accepts, *cat.mounted_on):
            assert ref in catalog
        if cat.is_item:
            assert any(catalog.get(r).can_hold(cat) for r in cat.found_in), cat.name


def test_bad_catalog_file_is_reported(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("categories:\n  Thing:\n    kind: gadget\n    rooms: [kitchen]\n    size: [1, 1, 1]\nrooms: {}\n")
    with pytest.raises(CatalogError, match="'Thing': kind must be one of"):
        load_catalog(bad)
