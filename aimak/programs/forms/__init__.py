"""Forms of the program pages: content (editor), process and hearings."""
