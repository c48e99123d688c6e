"""``python -m issuer.cli``: the same as the ``issuer`` console script."""

from issuer.cli import main

raise SystemExit(main())
