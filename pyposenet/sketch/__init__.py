"""The p5 layer for Python sketches: a plain .py file with setup(), draw() and p5's event functions."""
