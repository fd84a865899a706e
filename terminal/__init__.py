"""The Qt terminal and the composition root (the command line)."""
