import pytest

from groundplan.errors import SceneError
from groundplan.types.catalog import ROOM_TYPES
from groundplan.types.scene import Scene, load_scene, scene_names
from groundplan.world.generator import generate_scene


@pytest.mark.parametrize("room", ROOM_TYPES)
def test_generator_is_seeded_and_plausible(room, catalog):
    a, b, c = generate_scene(room, 7), generate_scene(room, 7), generate_scene(room, 8)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()
    spec = catalog.rooms[room]
    cats = a.categories()
    for required in spec.required:  # a person stands only where the furniture leaves room
        assert required in cats or catalog.get(required).placement == "free", required
    people = [generate_scene(room, seed).of_category("Person") for seed in range(20)]
    assert sum(map(bool, people)) >= (5 if room == "bathroom" else 12)
    for obj in a.objects:
        cat = catalog.get(obj.category)
        if cat.is_item:
            host = catalog.get(a.get(obj.parent).category)
            assert host.can_hold(cat), (obj.id, obj.parent)
        assert 0 <= obj.position[0] <= a.size[0] and 0 <= obj.position[1] <= a.size[1], obj.id


def test_free_standing_fixtures_do_not_overlap():
    for seed in range(5):
        scene = generate_scene("living_room", seed)
        floor = [o for o in scene.objects if o.parent is None]
        for i, a in enumerate(floor):
            for b in floor[i + 1:]:
                # compare axis-aligned footprints with the yaw taken into account
                ax, ay = (a.size[0], a.size[1]) if abs(a.yaw) % 3.1416 < 0.1 else (a.size[1], a.size[0])
                bx, by = (b.size[0], b.size[1]) if abs(b.yaw) % 3.1416 < 0.1 else (b.size[1], b.size[0])
                overlap_x = abs(a.position[0] - b.position[0]) < (ax + bx) / 2 - 1e-6
                overlap_y = abs(a.position[1] - b.position[1]) < (ay + by) / 2 - 1e-6
                assert not (overlap_x and overlap_y), (seed, a.id, b.id)


def test_some_containers_start_closed():
    closed = sum(
        1 for seed in range(10) for o in generate_scene("kitchen", seed).objects
        if o.state.get("open") is False
    )
    assert closed > 0


def test_scene_round_trips_through_yaml(tmp_path):
    scene = generate_scene("bedroom", 3)
    path = scene.save(tmp_path / "s.yaml")
    assert load_scene(path).to_dict() == scene.to_dict()


def test_shipped_scenes_load():
    names = scene_names()
    assert "kitchen_demo" in names and len(names) >= 4
    for name in names:
        assert load_scene(name).objects


def test_bad_scenes_get_clear_errors(tmp_path):
    with pytest.raises(SceneError, match="no scene 'nowhere'"):
        load_scene("nowhere")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nroom_type: garage\nsize: [1, 1]\nobjects: []\n")
    with pytest.raises(SceneError, match="unknown room type 'garage'"):
        load_scene(bad)
    scene = generate_scene("kitchen", 0).to_dict()
    scene["objects"][-1]["parent"] = "moon_1"
    with pytest.raises(SceneError, match="rests on unknown object 'moon_1'"):
        Scene.from_dict(scene)
    bad.write_text(": not yaml [")
    with pytest.raises(SceneError, match="not valid YAML"):
        load_scene(bad)
