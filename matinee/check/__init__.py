"""`matinee check`: read the built site and the model, and report problems at their file and line.

The command is `command.check_site`; the rest are its parts: `pages` and `feeds` scan what was
built, `links` resolves URLs to built files, `trace` leads a problem back to its source line,
`posts` and `names` look at the model, `cache` remembers scans, `findings` is what they report.
"""
