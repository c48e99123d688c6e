"""Server-rendered pages for professionals (``/p``) and council staff (``/s``), English and Hindi."""
