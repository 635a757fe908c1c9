"""Text: instruction phrasings and the plan text format."""
