"""3D lifting and multi-view fusion with open3d: detections -> one object per physical instance.

Lifting: a detection's pixels are back-projected with depth and the camera pose. A box also holds
what lies behind, beside and under the object, so only pixels whose depth is within the category's
size of the box centre's depth are kept, the floor is dropped, and of the DBSCAN clusters the one
that fills the middle of the box is kept (not the largest: through a table's or a chair's legs the
wall behind is the larger cluster).

Fusion: lifted detections of the same category that share surface (enough points within a few
cm of what the group saw), or whose centres are closer than half the category's size, are one
object; their clouds are merged. Where objects of different categories claim the same space, the
better supported one stays, except where one is mounted on the other (a sink in its counter). The
camera sees only the near side of an object, so each centre is pushed away from the cameras by
the part of the category's depth that was not seen.

Confirmation: an object must have been detected in a fair share of the views that should have
seen it (its centre in the image, nothing nearer in front of it, large enough). A detection
lifted onto the wall behind a thin object is seen once and contradicted by every other view of
that wall.

Measured with the trained detector on 12 held-out scenes (blockwise centres, 8 views a point):
the middle cluster and dropping the floor raised the share of a box's lifted points that lie on
the detected fixture from 0.77 to 0.83; confirmation raised precision from 0.81 to 0.88 for a
0.3-point loss of recall; letting mounted fixtures share space raised recall of visible objects
from 0.87 to 0.92.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import open3d as o3d
from scipy.spatial import cKDTree

from groundplan.perception.detect import Detection
from groundplan.types.camera import Frame
from groundplan.types.catalog import Catalog, default_catalog


@dataclass(frozen=True)
class FusionConfig:
    voxel: float = 0.02  # m: clouds are thinned to this resolution
    cluster_eps: float = 0.06  # m: DBSCAN neighbourhood
    floor: float = 0.02  # m: box points lower than this are the floor
    min_points: int = 8  # of a lifted detection, after filtering
    max_pixels: int = 600  # back-projected per detection
    depth_margin: float = 0.6  # of the category's largest dimension, around the centre's depth
    merge_distance: float = 0.5  # of the category's largest dimension, between centres
    surface_radius: float = 0.04  # m: a point within this of a group's points was seen before
    surface_share: float = 0.2  # of a detection's points seen before, to join the group
    overlap: float = 0.5  # share of the smaller box two categories must share to compete
    same_overlap: float = 0.3  # share of the smaller box two objects of one category share to be one
    oversize: float = 1.3  # of the category's size: a longer extent is cut to the densest stretch
    min_score: float = 0.5  # of a fused object (1 - prod(1 - s) over its detections)
    confirm_share: float = 0.4  # of the views that should have seen an object, that must have detected it
    confirm_pixels: float = 15.0  # an object this many pixels across or less may go unseen in a view
    room_bounds: bool = True  # drop what lies outside the room's floor (off where its extent is not known)


@dataclass
class Lifted:
    """One detection in 3D."""

    category: str
    score: float
    points: np.ndarray  # (n, 3) world
    camera: np.ndarray  # (3,) where it was seen from
    view: int
    label: str = ""


@dataclass
class FusedObject:
    category: str
    position: tuple[float, float, float]
    size: tuple[float, float, float]
    score: float
    views: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    yaw: float = 0.0  # of the box's first axis

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """World axis-aligned bounds of the (yawed) box."""
        c, (w, d, h) = np.asarray(self.position), self.size
        cos, sin = abs(np.cos(self.yaw)), abs(np.sin(self.yaw))
        half = np.array([w * cos + d * sin, w * sin + d * cos, h]) / 2
        return c - half, c + half


def _cloud(points: np.ndarray) -> o3d.geometry.PointCloud:
    return o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(points, float)))


def lift(frame: Frame, detection: Detection, view: int, catalog: Catalog,
         config: FusionConfig | None = None) -> Lifted | None:
    """World points of one detection, or None when too few survive the filters."""
    config = config or FusionConfig()
    if detection.mask is not None:
        x0 = y0 = 0
        mask = detection.mask & (frame.depth < frame.intrinsics.far * 0.99)
    else:  # a box: work in its window, and keep what lies at the object's depth
        x0, y0, x1, y1 = detection.box
        depth = frame.depth[y0:y1, x0:x1]
        mask = depth < frame.intrinsics.far * 0.99
        h, w = depth.shape
        cy, cx, ry, rx = h // 2, w // 2, max(1, h // 6), max(1, w // 6)
        centre = depth[max(0, cy - ry):cy + ry + 1, max(0, cx - rx):cx + rx + 1]
        if centre.size == 0:
            return None
        reach = config.depth_margin * max(catalog.get(detection.category).size)
        mask &= np.abs(depth - float(np.median(centre))) <= reach
    count = int(mask.sum())
    if count < config.min_points:
        return None
    if count > config.max_pixels:  # a regular subsample keeps the shape and bounds the cost
        stride = int(np.ceil(np.sqrt(count / config.max_pixels)))
        grid = np.zeros_like(mask)
        grid[::stride, ::stride] = True
        mask &= grid
    v, u = np.nonzero(mask)
    v, u = v + y0, u + x0
    points = frame.pixel_points(v, u)
    if detection.mask is None:
        points = _middle_cluster(points, (v, u), detection.box, config)
    cloud = _cloud(points).voxel_down_sample(config.voxel)
    if len(cloud.points) < config.min_points:
        return None
    return Lifted(detection.category, detection.score, np.asarray(cloud.points), frame.pose[:3, 3].copy(), view,
                  detection.label)


def _middle_cluster(points: np.ndarray, pixels: tuple[np.ndarray, np.ndarray], box: tuple[int, int, int, int],
                    config: FusionConfig) -> np.ndarray:
    """Of a box's points above the floor, the DBSCAN cluster with most points in the box's middle."""
    v, u = pixels
    keep = points[:, 2] > config.floor
    points, v, u = points[keep], v[keep], u[keep]
    if len(points) < config.min_points:
        return points
    # cluster one point per voxel (a third of the points, a third of the time), then label them all
    cells = np.floor(points / config.voxel).astype(np.int64)
    cells -= cells.min(axis=0)
    dims = cells.max(axis=0) + 1
    _, first, inverse = np.unique((cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2],
                                  return_index=True, return_inverse=True)
    labels = np.asarray(_cloud(points[first]).cluster_dbscan(config.cluster_eps, min_points=3))[inverse]
    if labels.max() < 0:
        return points[:0]
    x0, y0, x1, y1 = box
    middle = (np.abs(u - (x0 + x1) / 2) <= (x1 - x0) / 4) & (np.abs(v - (y0 + y1) / 2) <= (y1 - y0) / 4)
    counts = np.bincount(labels[labels >= 0], minlength=labels.max() + 1)
    in_middle = np.bincount(labels[(labels >= 0) & middle], minlength=labels.max() + 1)
    return points[labels == int(np.argmax(in_middle + 0.1 * counts))]


def _overlap(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Intersection volume over the smaller box's volume."""
    inter = np.prod(np.clip(np.minimum(a[1], b[1]) - np.maximum(a[0], b[0]), 0, None))
    small = min(np.prod(a[1] - a[0]), np.prod(b[1] - b[0]))
    return float(inter / small) if small > 0 else 0.0


class _Group:
    """Lifted detections that are one object so far: their points, centroid and a search tree."""

    def __init__(self, first: Lifted):
        self.members = [first]
        self.points = first.points
        self.centre = first.points.mean(axis=0)
        self._tree: cKDTree | None = None

    def add(self, item: Lifted) -> None:
        self.members.append(item)
        self.points = np.concatenate([self.points, item.points])
        self.centre = self.points.mean(axis=0)
        self._tree = None  # rebuilt when next asked: most groups are never asked again

    def shares_surface(self, points: np.ndarray, radius: float, share: float) -> bool:
        """Whether enough of `points` lie on what the group already saw."""
        if self._tree is None:
            self._tree = cKDTree(self.points)
        near = self._tree.query_ball_point(points, radius, return_length=True)
        return float(np.mean(near > 0)) >= share


def fuse(lifted: list[Lifted], catalog: Catalog | None = None, config: FusionConfig | None = None) -> list[FusedObject]:
    """Group lifted detections into objects, best supported first."""
    catalog = catalog or default_catalog()
    config = config or FusionConfig()
    groups: list[_Group] = []
    for item in sorted(lifted, key=lambda x: (-x.score, -len(x.points))):  # the surest and largest seed
        reach = config.merge_distance * max(catalog.get(item.category).size)
        centre = item.points.mean(axis=0)
        joined = [g for g in groups if g.members[0].category == item.category and (
            np.linalg.norm(g.centre - centre) < reach
            or g.shares_surface(item.points, config.surface_radius, config.surface_share))]
        if not joined:
            groups.append(_Group(item))
            continue
        joined[0].add(item)
        for other in joined[1:]:  # the detection bridges groups that are one object
            for member in other.members:
                joined[0].add(member)
            groups.remove(other)
    objects = _merge_overlapping(groups, catalog, config)
    objects = [o for o in objects if o.score >= config.min_score]
    # one physical thing, one object: where two item (or two fixture) categories claim the same
    # space, the better supported one wins; an item may overlap the fixture it stands on, and so
    # may a fixture mounted on another (a sink in the counter: a box around the counter holds it)
    objects.sort(key=lambda o: (-len(o.views), -o.score))
    kept: list[tuple[FusedObject, tuple[np.ndarray, np.ndarray]]] = []
    for obj in objects:
        bounds = obj.bounds
        if all(not _compete(obj.category, k.category, catalog) or _overlap(bounds, k_bounds) < config.overlap
               for k, k_bounds in kept):
            kept.append((obj, bounds))
    return [obj for obj, _ in kept]


def _merge_overlapping(groups: list[_Group], catalog: Catalog, config: FusionConfig) -> list[FusedObject]:
    """Objects of the groups, where two boxes of one category mostly overlap, made one.

    Groups grow one detection at a time, so two seeds of a large object (a table seen from two
    sides) can each grow into a box that covers the other.
    """
    objects = [_object(group, catalog, config) for group in groups]
    merged = True
    while merged:
        merged = False
        for i, j in itertools.combinations(range(len(groups)), 2):
            if (objects[i].category == objects[j].category
                    and _overlap(objects[i].bounds, objects[j].bounds) >= config.same_overlap):
                for member in groups[j].members:
                    groups[i].add(member)
                objects[i] = _object(groups[i], catalog, config)
                del groups[j], objects[j]
                merged = True
                break
    return objects


def _compete(a: str, b: str, catalog: Catalog) -> bool:
    """Whether objects of categories `a` and `b` cannot share space."""
    ca, cb = catalog.get(a), catalog.get(b)
    return a != b and ca.is_item == cb.is_item and b not in ca.mounted_on and a not in cb.mounted_on


def confirm(objects: list[FusedObject], frames: list[Frame], config: FusionConfig | None = None,
            skip: Collection[int] = ()) -> list[FusedObject]:
    """The objects detected in at least `confirm_share` of the views that should have seen them.

    Views in `skip` (ones that failed) are no evidence either way.
    """
    config = config or FusionConfig()
    kept = []
    for obj in objects:
        expected = set(obj.views) | {view for view, frame in enumerate(frames) if view not in skip
                                     and frame.sees(obj.position, max(obj.size), config.confirm_pixels)}
        if len(obj.views) >= config.confirm_share * len(expected):
            kept.append(obj)
    return kept


def within(objects: list[FusedObject], size: tuple[float, float], margin: float = 0.05) -> list[FusedObject]:
    """The objects whose centre lies on the room's floor (`size`: its width and depth from the origin).

    Nothing beyond a wall is in the room; a box completed through the wall behind what was seen
    (a fragment of a fixture against it) is not either: on the val rooms, 9 of 19 false objects
    and no true one. `margin` (m) spares a thing flat against a wall whose centre a noisy depth puts
    just behind it.
    """
    if min(size) <= 0:  # a room of unknown extent
        return objects
    return [o for o in objects if all(-margin <= o.position[i] <= size[i] + margin for i in (0, 1))]


def _object(group: _Group, catalog: Catalog, config: FusionConfig) -> FusedObject:
    """Box of the merged cloud along its main horizontal axis, completed to the category's size.

    The completion goes on the sides the cameras could not see.
    """
    members = group.members
    category = members[0].category
    points = np.asarray(_cloud(group.points).voxel_down_sample(config.voxel).points)
    xy = points[:, :2]
    mean = xy.mean(axis=0)
    if len(xy) > 2:
        _, vectors = np.linalg.eigh(np.cov((xy - mean).T))
        u = vectors[:, 1]  # largest variance
    else:
        u = np.array([1.0, 0.0])
    axes = (u, np.array([-u[1], u[0]]))
    prior = catalog.get(category).size
    away = np.zeros(2)
    for g in members:
        d = mean - g.camera[:2]
        away += d / (np.linalg.norm(d) + 1e-9)
    away /= np.linalg.norm(away) + 1e-9
    centre, extents = np.zeros(2), []
    for axis, expected in zip(axes, (max(prior[:2]), min(prior[:2]))):
        proj = np.sort((xy - mean) @ axis)
        lo, hi = float(proj[0]), float(proj[-1])
        if hi - lo > config.oversize * expected:  # an open door or a neighbour: keep the densest stretch
            span = expected * 1.1
            counts = np.searchsorted(proj, proj + span, side="right") - np.arange(len(proj))
            lo = float(proj[int(np.argmax(counts))])
            hi = lo + span
        missing = max(0.0, expected - (hi - lo))
        toward = float(away @ axis)
        if abs(toward) > 0.3:  # the unseen part lies beyond the far side
            lo, hi = (lo, hi + missing) if toward > 0 else (lo - missing, hi)
        centre += axis * (lo + hi) / 2
        extents.append(hi - lo)
    z0, z1 = float(points[:, 2].min()), float(points[:, 2].max())
    position = (*(mean + centre), (z0 + z1) / 2)
    score = 1.0 - float(np.prod([1.0 - g.score for g in members]))
    return FusedObject(category, tuple(round(float(v), 4) for v in position),
                       (round(extents[0], 4), round(extents[1], 4), round(z1 - z0, 4)),
                       round(score, 4), sorted({g.view for g in members}), sorted({g.label for g in members}),
                       yaw=round(float(np.arctan2(u[1], u[0])), 4))
