"""mousePressed() raises on the first click."""

clicks = 0


def setup():
    createCanvas(100, 100)


def draw():
    background(200)


def mousePressed():
    global clicks
    clicks += 1
    clicks /= 0
