import { mount } from 'svelte';
import { z } from 'zod';
import App from './App.svelte';
import { runsInElectron } from './lib/api-client.js';
import { removeTokenFromAddressBar } from './lib/lab-client.js';
import './app.css';

// zod probes `new Function` to speed up parsing; the CSP refuses eval and Chromium reports the refusal as a
// console error even though zod catches it. Interpreted parsing is fast enough for events.
z.config({ jitless: true });

if (!runsInElectron()) removeTokenFromAddressBar(window.location, window.history);

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element to mount the workbench in.');
mount(App, { target });
