"""The chapter-by-chapter PDF engine: each division laid out on its own, in parallel,
cached, and joined into one PDF that is the same book as a whole-book layout.

Modules, in the order a build uses them:
- `layout.py` plans an edition, runs the workers in rounds until every page number
  is right (a fixed point), and keeps what was laid out in the layout store;
- `placement.py` is what the workers share while they lay out side by side: the
  page counts, and where each division lands;
- `join.py` copies the laid-out pieces into one PDF (pikepdf): pages, outline,
  links, one structure tree.

Glossary:
- division: one page of the rendered book: a front-matter page (title, contents...),
  a part's opening, a chapter or an appendix.
- group (`Group`): what is laid out as one WeasyPrint document: the front matter's
  divisions together, or one body division.
- job (`Job`): everything a worker needs to lay out one group: its HTML with
  placeholders for the page numbers it prints, its stylesheets, its seat.
- seat (`Seat`): a division's place on the board, with the guess it is laid out from.
- board (`Board`): memory shared by the workers: each division's page count and
  the page of each target of a page reference, published as soon as known.
- placement (`Placement`): where a division lands in the joined book: its first
  page, its first folio, whether a blank verso comes before it.
- folios (`Folios`): stands in for WeasyPrint's margin-box step while a division is
  laid out; once pagination is done it publishes the page count, waits for the
  divisions before it and sets the real folios (and side).
- guess (`Guess`): the last build's page counts and target pages, the first guess
  for this one; a division laid out from a wrong guess is laid out again.
- stage (`Stage`): how far a division's layout went: MEASURED (counted only; it is
  laid out again once the divisions it points to are measured) or WRITTEN.
- laid (`Laid`): what the rest of the book needs to know of a laid-out division:
  pages, anchors, bookmarks, where each section starts, its PDF once written.
- piece (`join.Piece`): a division as the join needs it: its PDF, bookmarks, blank.
- edition plan (`EditionPlan`): the state of one edition's fixed-point layout.

Every use of WeasyPrint internals is in `makebook/pdf/weasy.py`.
"""
