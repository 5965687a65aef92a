"""Stage 2, transform: the `Book` into a `RenderedBook`: every page as an XHTML
fragment (chapters from Markdown, generated pages from templates), typography,
links, appendices and the cover (`book.render_book`). Pure: it writes nothing but
its cache of rendered chapters."""
