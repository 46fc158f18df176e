"""The only modules that import `js` / `pyodide`: the TF.js bridge and the p5 sketch glue.

`pyposenet_js` is the JavaScript module the page registers (web/boot.js): `model`, `page`, `sketch`.
"""
