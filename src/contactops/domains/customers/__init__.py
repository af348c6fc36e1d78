"""Customer profiles: who contacts the center, by which identifiers, with notes and history."""
