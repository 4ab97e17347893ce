from matinee.cli import main

raise SystemExit(main())
