"""`matinee serve`: a preview of the site that rebuilds on every save and reloads the browser.

preview.py runs the loop (build, wait for changes, rebuild); http.py answers the browser;
watch.py notices changes to the sources; livereload.py (with its .js files) tells the tabs.
"""
