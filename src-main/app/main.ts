import { startDesktopApp } from './desktop-app.js';

startDesktopApp();
