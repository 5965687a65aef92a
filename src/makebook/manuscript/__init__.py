"""manuscript."""
