"""Neutral replies (cards, actions), the French and English catalogs, and the
command catalog every front end is generated from."""
