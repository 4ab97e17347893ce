"""`matinee deploy`: publish the built site to the target in config.yaml (I/O).

publish.py checks that the site may be published and picks the target: rsync.py mirrors it
to a folder or host:path, git.py commits it to a branch and pushes, command.py runs a host's
own CLI. tools.py runs those tools and turns a failure into one line that says why.
"""
