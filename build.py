"""Matinee's entry point: `python build.py --help`."""
from matinee.cli import main

raise SystemExit(main())
