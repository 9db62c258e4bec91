/**
 * A headless Chromium for browser tests, from the npm registry alone:
 * @sparticuz/chromium ships a Chromium binary inside the package (unpacked to
 * the temp directory on first use), driven by playwright-core. No system
 * package and no download outside npm, so `npm install && npm test` is enough.
 */
import Chromium from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await Chromium.executablePath(),
    headless: true,
    args: [...Chromium.args, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
