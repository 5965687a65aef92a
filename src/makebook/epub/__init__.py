"""Stage 3, write: the EPUB 3 edition, packed from the rendered book with ebooklib
(`writer.write_epub`), with the print edition's page numbers as its page-list."""
