"""PDF helpers (pypdf to write and read, pdfplumber for layout-aware text)."""
