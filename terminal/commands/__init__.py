"""Sub-commands of paper-terminal, one module each."""
