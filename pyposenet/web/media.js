// What a sketch passes as media (a p5 element, a p5.Image, an <img>, <video> or <canvas>): the element to read
// pixels from and the size keypoints are reported in. Shared by the network's path (model.js) and BlazePose's
// (blazepose.js), so both report keypoints in the same coordinates.

/** The element TF.js reads pixels from, for any input a sketch may pass. */
export function pixelSource(input) {
  if (input && input.elt) return input.elt; // p5.Element, p5.MediaElement (createCapture), p5.Graphics
  if (input && input.canvas && !(input instanceof HTMLElement)) return input.canvas; // p5.Image
  return input;
}

/** The size keypoints are reported in: the element as displayed (ml5 issue #224), an image's natural size. */
export function displaySize(input, source) {
  if (input && input.elt && input.width > 0 && input.height > 0) return [input.width, input.height];
  if (source instanceof HTMLVideoElement) {
    if (source.width > 0 && source.height > 0) return [source.width, source.height];
    return [source.videoWidth, source.videoHeight];
  }
  if (source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight];
  if (input && input.canvas && input.width > 0) return [input.width, input.height]; // p5.Image
  return [source.width, source.height];
}
