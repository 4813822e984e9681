"""leadtui: a terminal follow-up queue for B2B sales reps and their managers."""

__version__ = "0.1.0"
