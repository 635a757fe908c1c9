"""Executing plans: the skill interface, the closed-loop executor, the task runner and its run folder."""
