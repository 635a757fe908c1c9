"""Plain types shared by every floor: scenes, states, steps, results, camera frames (no behaviour)."""
