// A page opened from a file (file://) cannot run: browsers refuse it WebAssembly modules, module
// scripts and the camera. Say so, and how to serve the folder instead, rather than hang on "loading".
// A classic script on purpose: module scripts (boot.js) never load from file://.
(function () {
  if (location.protocol !== 'file:') return;
  var status = document.getElementById('status');
  status.dataset.state = 'error';
  status.textContent = 'error';
  document.getElementById('error-title').textContent = 'this page must be served, not opened as a file';
  document.getElementById('error-details').textContent =
    'Browsers refuse WebAssembly, module scripts and the camera to pages opened from file://.\n' +
    'Serve this folder instead, for example:\n\n' +
    '    cd ' + decodeURIComponent(location.pathname.replace(/[^/]*$/, '')) + '\n' +
    '    python -m http.server 8000\n\n' +
    'and open http://localhost:8000/ (or put the folder on any static web host).';
  document.getElementById('error').hidden = false;
})();
