"""Relative URLs in each form a sketch uses find the files beside it, as in a p5 project: p5's loadJSON,
the browser's fetch, Pyodide's pyfetch and an <img> made with the DOM (sub-folders too)."""

import asyncio

import js
from pyodide.ffi import create_proxy
from pyodide.http import pyfetch

found = {}
listeners = []


def setup():
    createCanvas(100, 100)
    loadJSON("data.json", lambda data: found.update(loadJSON=data.answer))
    asyncio.ensure_future(fetch_both())
    image = js.document.createElement("img")
    image.id = "dom-image"

    def loaded(event):
        found["img"] = [image.naturalWidth, image.naturalHeight]

    listeners.append(create_proxy(loaded))
    image.addEventListener("load", listeners[-1])
    image.src = "starter.png"
    js.document.body.append(image)


async def fetch_both():
    response = await js.fetch("data.json")
    found["fetch"] = (await response.json()).answer
    response = await pyfetch("notes/hello.txt")
    found["pyfetch"] = (await response.string()).strip()


def draw():
    background(200)
