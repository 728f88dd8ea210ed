// Driving the dashboard in Chromium: a page that fails the test on any script error or
// Content-Security-Policy violation, axe's accessibility check, and the screenshots for the docs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const docs = fileURLToPath(new URL('../../docs/dashboard/', import.meta.url));

export interface DashboardPage {
  context: BrowserContext;
  page: Page;
  /** Script errors and CSP violations seen so far. */
  problems: string[];
}

/**
 * A fresh browser context on the dashboard. `webSockets: false` makes every WebSocket close
 * before it opens (1006, as when a proxy on the way refuses the upgrade).
 */
export async function openDashboard(browser: Browser, origin: string, hash = '#/', { webSockets = true } = {}): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' });
  if (!webSockets) await context.routeWebSocket(() => true, (socket) => socket.close({ code: 1006, reason: 'no WebSocket here' }));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  await page.goto(`${origin}/${hash}`);
  return { context, page, problems };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page (through the DevTools protocol, which the page's CSP does not govern): serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Saves a screenshot for docs/dashboard.md. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `${docs}${name}.png`, fullPage: false });
}
