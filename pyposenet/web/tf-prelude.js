// Loaded before tf.min.js (on the page, and first thing in the model worker).
// tf.min.js bundles an old regenerator-runtime that ends with
//   try { regeneratorRuntime = runtime } catch (e) { Function("r", "regeneratorRuntime = r")(runtime) }
// In strict code the assignment throws when no such global exists, and Function() is eval, which the
// app's Content-Security-Policy refuses (no 'unsafe-eval'). With the global already there, the
// assignment succeeds and TF.js loads under the strict policy.
if (!('regeneratorRuntime' in self)) self.regeneratorRuntime = undefined;
