"""Perception: views, detection, 3D fusion, and grounding labels in the catalog."""
