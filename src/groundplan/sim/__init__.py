"""PyBullet simulation of a Scene: bodies, robot, skills, cameras, state read-back, faults."""
