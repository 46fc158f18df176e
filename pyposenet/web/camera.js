// Camera failures in plain words. p5's createCapture() only logs a refused or missing camera to the
// console and returns a <video> that never plays; here each capture's getUserMedia request is
// followed, a failure is shown on the page at once (what happened, what to do), and kept for
// pyposenet (problem(video)): a net detecting on that capture reports it as its `error` event.

import { showNotice } from './page.js';

const problems = new WeakMap(); // <video> of a failed capture -> what to tell the person
let lastRequest = null; // the getUserMedia promise of the createCapture call in progress

/** What a getUserMedia failure means and what to do about it. */
export function explain(err) {
  const name = (err && err.name) || 'Error';
  const said = `${name}${err && err.message ? `: ${err.message}` : ''}`;
  switch (name) {
    case 'NotAllowedError':
      return `the camera could not be opened: the browser refused access to it (${said}). Allow the camera `
        + 'for this site in the browser\'s site settings (the camera icon in the address bar), then reload the page.';
    case 'NotFoundError':
      return `no camera was found (${said}). Plug in a camera, or turn it on in the system's settings, `
        + 'then reload the page.';
    case 'NotReadableError':
      return `the camera is there but could not start (${said}): another program may be using it. `
        + 'Close that program, then reload the page.';
    case 'OverconstrainedError':
      return `no camera can give what createCapture asked for (${said}${err.constraint ? `, constraint '${err.constraint}'` : ''}). `
        + 'Ask for less (no exact width, height or frame rate), then reload the page.';
    case 'SecurityError':
      return `the browser does not allow a camera on this page (${said}). Open the app at http://127.0.0.1 or `
        + 'http://localhost, or over https.';
    default:
      return `the camera could not be opened (${said}). Check that it is connected and not in use, then reload the page.`;
  }
}

/** Why `input` (a p5 capture or its <video>) will give no frames, or null. */
export function problem(input) {
  const element = input && input.elt ? input.elt : input;
  return (element && problems.get(element)) || null;
}

function followGetUserMedia() {
  const media = navigator.mediaDevices;
  if (!media || typeof media.getUserMedia !== 'function') return;
  const original = media.getUserMedia.bind(media);
  media.getUserMedia = (constraints) => {
    const request = original(constraints);
    lastRequest = request;
    return request;
  };
}

/** createCapture(): remember its request's failure for its <video>, and say it on the page. */
function followCreateCapture() {
  const original = p5.prototype.createCapture;
  p5.prototype.createCapture = function createCapture(...args) {
    lastRequest = null;
    const capture = original.apply(this, args);
    const request = lastRequest; // p5 asks for the stream inside createCapture, synchronously
    lastRequest = null;
    if (request && capture && capture.elt) {
      request.catch((err) => {
        const message = explain(err);
        problems.set(capture.elt, message);
        showNotice(`createCapture(): ${message}`);
      });
    }
    return capture;
  };
}

followGetUserMedia();
if (typeof p5 !== 'undefined') followCreateCapture();
