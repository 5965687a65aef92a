"""chapterwise."""
