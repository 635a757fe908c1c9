from pathlib import Path

import pytest

from groundplan.types.catalog import ROOM_TYPES, default_catalog
from groundplan.types.scene import Scene, SceneObject, load_scene
from groundplan.world.domain import Domain
from groundplan.world.generator import generate_scene
from groundplan.world.validator import Validator


@pytest.fixture(scope="session")
def catalog():
    return default_catalog()


@pytest.fixture(scope="session")
def domain(catalog):
    return Domain(catalog)


@pytest.fixture(scope="session")
def validator(domain):
    return Validator(domain)


@pytest.fixture(scope="session")
def kitchen():
    return load_scene("kitchen_demo")


def _obj(id_, cat, parent=None, **state):
    return SceneObject(id_, cat, (0.0, 0.0, 0.5), (0.2, 0.2, 0.2), parent=parent, state=state)


@pytest.fixture(scope="session")
def tiny():
    """A hand-made room where every action has something to act on."""
    return Scene(
        id="tiny",
        room_type="kitchen",
        size=(5.0, 5.0),
        objects=[
            _obj("countertop_1", "CounterTop"),
            _obj("fridge_1", "Fridge", open=False),
            _obj("microwave_1", "Microwave", parent="countertop_1", open=False, on=False),
            _obj("sinkbasin_1", "SinkBasin", parent="countertop_1"),
            _obj("desk_1", "Desk"),
            _obj("desklamp_1", "DeskLamp", parent="desk_1", on=False),
            _obj("apple_1", "Apple", parent="countertop_1", clean=False),
            _obj("apple_2", "Apple", parent="fridge_1"),
            _obj("knife_1", "Knife", parent="countertop_1"),
            _obj("mug_1", "Mug", parent="countertop_1", clean=False),
            _obj("book_1", "Book", parent="desk_1"),
            _obj("pan_1", "Pan", parent="countertop_1"),
        ],
    ).check()


# Tiers (see README, "Tests"): a test's folder names its tier, unless the test is marked with a
# heavier one (a parameter sweep of the core is `slow`, a physics check beside core tests `sim`).
TIERS = ("fast", "sim", "ros", "slow")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(item.get_closest_marker(t) for t in TIERS[1:]):
            continue
        folder = Path(str(item.fspath)).parent.name
        if folder not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of the tier folders {', '.join(TIERS)}")
        item.add_marker(folder)


@pytest.fixture(scope="session")
def generated_rooms():
    """Sixty generated rooms of each type (seeds 5000-5059), for sweeps over many rooms."""
    return {room: [generate_scene(room, 5000 + i) for i in range(60)] for room in ROOM_TYPES}
