"""Stage 1, load: the book folder (book.toml, chapters, bibliography, images, styles)
into a typed `Book` (makebook.model). Every check that can name a file and a line is
made here, and all problems are reported together (`loader.load_book`)."""
