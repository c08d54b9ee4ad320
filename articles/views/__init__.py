"""The readers' pages, thin over reading.py and the querysets: lists.py (home, sections, tags,
authors, archives, search, corrections), article.py (an article's page), preview.py (staff
previews and share links), mixins.py (what they share)."""
