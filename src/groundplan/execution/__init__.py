"""Executing plans: the skill interface, the closed-loop executor and its run record."""
