/** What the demo page needs to preprocess an image the way the trainer did. */
export interface DemoPageOptions {
  readonly title: string;
  readonly classNames: readonly string[];
  readonly inputShape: readonly [number, number, number];
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** File names the demo page loads, relative to itself. */
export const demoFiles = { page: 'index.html', tfjs: 'tf.min.js', model: 'demo-model.js' } as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The model as a script that sets `window.rtkDemoModel`, so the page loads it from file:// where fetch of a
 * local model.json is blocked; the weights travel as base64.
 */
export function demoModelScript(modelJson: string, weights: Uint8Array): string {
  const parsed = JSON.parse(modelJson) as {
    modelTopology: unknown;
    weightsManifest: { weights: unknown[] }[];
  };
  const payload = {
    modelTopology: parsed.modelTopology,
    weightSpecs: parsed.weightsManifest.flatMap((group) => group.weights),
    weightsBase64: Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).toString('base64'),
  };
  return `window.rtkDemoModel = ${JSON.stringify(payload)};\n`;
}

/**
 * An offline page that classifies a dropped or chosen image with the TFJS export: it resizes the image to
 * the model's input, normalises it with the training statistics and shows the five most likely classes.
 */
export function demoPageHtml(options: DemoPageOptions): string {
  const settings = JSON.stringify({
    classNames: options.classNames,
    inputShape: options.inputShape,
    mean: options.mean,
    std: options.std,
  }).replace(/</g, '\\u003c');
  const title = escapeHtml(options.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
#drop { border: 2px dashed #888; border-radius: 8px; padding: 2rem; text-align: center; }
#drop.over { background: #eef; }
img { max-width: 12rem; image-rendering: pixelated; display: block; margin: 1rem auto; }
table { width: 100%; border-collapse: collapse; } td { padding: 0.2rem 0.5rem; }
</style>
</head>
<body>
<h1>${title}</h1>
<p>Works offline: TensorFlow.js and the model are files next to this page.</p>
<div id="drop">Drop an image here, or <input type="file" id="file" accept="image/*"></div>
<img id="preview" alt="">
<p id="status">Loading the model…</p>
<table id="results"></table>
<script src="${demoFiles.tfjs}"></script>
<script src="${demoFiles.model}"></script>
<script>
const settings = ${settings};
const status = document.getElementById('status');
let model = null;
function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes.buffer;
}
async function load() {
  const stored = window.rtkDemoModel;
  model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: stored.modelTopology,
    weightSpecs: stored.weightSpecs,
    weightData: base64Bytes(stored.weightsBase64),
  }));
  status.textContent = 'Ready (TensorFlow.js backend: ' + tf.getBackend() + ').';
}
function classify(image) {
  const [height, width, channels] = settings.inputShape;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const input = new Float32Array(height * width * channels);
  for (let pixel = 0; pixel < height * width; pixel += 1) {
    for (let channel = 0; channel < channels; channel += 1) {
      // A grey model gets the luminance of the pixel.
      const value = channels === 1
        ? 0.299 * rgba[pixel * 4] + 0.587 * rgba[pixel * 4 + 1] + 0.114 * rgba[pixel * 4 + 2]
        : rgba[pixel * 4 + channel];
      input[pixel * channels + channel] = (value - settings.mean[channel]) / settings.std[channel];
    }
  }
  const probabilities = tf.tidy(() => tf.softmax(model.predict(tf.tensor4d(input, [1, height, width, channels]))).dataSync());
  const ranked = Array.from(probabilities, (p, index) => [p, index]).sort((a, b) => b[0] - a[0]).slice(0, 5);
  const table = document.getElementById('results');
  table.replaceChildren(...ranked.map(([p, index]) => {
    const row = document.createElement('tr');
    const name = document.createElement('td');
    name.textContent = settings.classNames[index] ?? String(index);
    const value = document.createElement('td');
    value.textContent = (100 * p).toFixed(1) + ' %';
    row.append(name, value);
    return row;
  }));
}
function show(file) {
  if (!file || !model) return;
  const image = document.getElementById('preview');
  image.onload = () => classify(image);
  image.src = URL.createObjectURL(file);
}
const drop = document.getElementById('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => { event.preventDefault(); drop.classList.remove('over'); show(event.dataTransfer.files[0]); });
document.getElementById('file').addEventListener('change', (event) => show(event.target.files[0]));
load().catch((error) => { status.textContent = 'Could not load the model: ' + error; });
</script>
</body>
</html>
`;
}
