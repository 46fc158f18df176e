"""Python callbacks given to p5 with no create_proxy: loads, a capture, elements, a graphics, a timer."""

events = []
img = None
button = None
pg = None
video = None
canvas = None


def setup():
    global img, button, pg, video, canvas
    canvas = createCanvas(200, 100)
    canvas.mousePressed(canvas_pressed)
    img = loadImage("starter.png", image_loaded, image_failed)  # beside the sketch
    loadImage("missing.png", image_loaded, image_failed)
    loadJSON("data.json", json_loaded)
    button = createButton("click me").position(10, 150)  # chaining gives the wrapper back
    button.id("btn")
    button.mousePressed(button_pressed)
    video = createCapture(VIDEO, capture_ready)
    video.size(160, 120)
    video.hide()
    pg = createGraphics(50, 50)
    pg.background(0, 255, 0)
    setTimeout(later, 50, "tick")  # JavaScript's timers, Python callbacks


def later(label):
    events.append(["timeout", label])


def image_loaded(image):
    events.append(["image", image.width, image.height])


def image_failed(event):
    events.append(["image failed"])


def json_loaded(data):
    events.append(["json", data.answer])


def capture_ready():  # p5 passes the stream: a callback may take fewer arguments
    events.append(["capture", video.width, video.height])


def button_pressed(event):
    events.append(["button", event.type])


def canvas_pressed():
    events.append(["canvas", mouseX, mouseY])


def draw():
    background(255)
    image(pg, 0, 0)  # a wrapped p5.Graphics, unwrapped for p5
    if img.width > 1:
        image(img, 50, 0, 50, 50)
    image(video, 100, 0, 50, 50)
