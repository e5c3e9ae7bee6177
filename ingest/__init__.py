"""Adding articles from the web: pages by link and entries of followed RSS/Atom feeds."""
