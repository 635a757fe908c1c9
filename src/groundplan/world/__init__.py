"""The household world: catalog, scenes, the PDDL domain, goals and plan validation."""
