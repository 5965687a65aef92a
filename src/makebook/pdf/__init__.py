"""Stage 3, write: the print PDF (PDF/X-4) and the screen PDF (PDF/UA-1), laid out by
WeasyPrint from the rendered book: chapter by chapter (`chapterwise/`) or as one
document (`document.py`), chosen in `layouts.py`."""
