// Debian's Chromium driven by playwright-core, for the browser tests (`npm run test:browser`).
// .ci/run installs the `chromium` package; nothing is downloaded at run time.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PRESSROOM_CHROMIUM ?? '/usr/bin/chromium';

const LAUNCH_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_FLAGS, headless: true });
}
