"""Reusable Textual widgets for leadtui: the queue table, cadence progress, the lead detail."""
