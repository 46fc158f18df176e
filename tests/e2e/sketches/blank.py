"""A sketch with no camera, for tests that drive pyposenet from Python in the page."""


def setup():
    noCanvas()
