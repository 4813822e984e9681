"""The TUI's screens. They compose widgets and handle Messages; data comes from `loaders`."""
