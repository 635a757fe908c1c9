"""Planner strategies: from an instruction (or goal) in a scene to a validated plan."""
