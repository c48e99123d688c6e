"""Server-rendered pages for professionals (``/p``) and council staff (``/s``), in English and
Hindi."""
