"""makebook: a Markdown manuscript in, a store-ready EPUB 3 and print and screen PDFs out."""
