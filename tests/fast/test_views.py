"""View-collection strategies: standing points are free, reachable, and as many as each strategy says."""

import numpy as np
import pytest

from groundplan.perception.views import STRATEGIES, ViewConfig, reachable_cells, standing_points, view_poses
from groundplan.types.grid import Grid
from groundplan.world.generator import generate_scene


@pytest.mark.parametrize("room", ["kitchen", "living_room", "bedroom", "bathroom"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_points_are_on_reachable_free_floor(room, strategy):
    scene = generate_scene(room, 5)
    grid = Grid(scene)
    reachable = {tuple(np.round(c, 3)) for c in reachable_cells(scene, grid)}
    points = standing_points(scene, ViewConfig(strategy=strategy, count=3))
    assert points
    for x, y in points:
        assert grid.free[grid.cell(x, y)], (x, y)
        assert (round(x, 3), round(y, 3)) in reachable
        assert grid.path(scene.robot_pose[:2], (x, y)) is not None


def test_strategy_sizes():
    scene = generate_scene("kitchen", 3)
    traversal = standing_points(scene, ViewConfig("traversal", spacing=1.0))
    dense = standing_points(scene, ViewConfig("traversal", spacing=0.5))
    assert len(dense) > len(traversal) > 1
    assert len(standing_points(scene, ViewConfig("overall_center"))) == 1
    assert len(standing_points(scene, ViewConfig("random", count=5))) == 5
    assert len(standing_points(scene, ViewConfig("random", fraction=0.5))) == max(1, round(0.5 * len(traversal)))
    blocks = standing_points(scene, ViewConfig("blockwise_center", max_blocks=6))
    assert 1 <= len(blocks) <= 6
    # seeded
    assert standing_points(scene, ViewConfig("random", count=4, seed=1)) == \
        standing_points(scene, ViewConfig("random", count=4, seed=1))


def test_views_sweep_around_each_point():
    scene = generate_scene("bedroom", 2)
    config = ViewConfig("overall_center", views=6)
    poses = view_poses(scene, config)
    assert len(poses) == 6
    headings = sorted(round(float(np.degrees(np.arctan2(p[1, 2], p[0, 2]))) % 360) for p in poses)
    assert headings == [0, 60, 120, 180, 240, 300]


def test_unknown_strategy_is_named():
    with pytest.raises(ValueError, match="unknown view strategy 'spiral'"):
        standing_points(generate_scene("kitchen", 0), ViewConfig("spiral"))
