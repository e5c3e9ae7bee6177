"""Measurement, not production: `storybot eval` runs a development set through the question side and
reports recall, MRR, answer hits and refusals (evaluate), and the parties' figures (parties)."""
