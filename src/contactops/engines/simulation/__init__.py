"""Contact-center simulation: synthetic history and what-if runs that emit canonical events."""
