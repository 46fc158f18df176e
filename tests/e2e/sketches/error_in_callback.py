"""A button's Python callback raises."""


def setup():
    createCanvas(100, 100)
    button = createButton("boom")
    button.id("boom")
    button.mousePressed(explode)


def draw():
    background(200)


def explode():
    parts = {}
    return parts["fuse"]
