"""author."""
