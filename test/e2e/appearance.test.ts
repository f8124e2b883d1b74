import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { screens } from '../../renderer/src/app/routes.ts';

/**
 * Every screen at 200% zoom (a 1280×820 window at device scale 2 shows 640×410 CSS pixels) in the dark theme
 * the system asks for: nothing overflows sideways, each screen has its heading, and keyboard shortcuts move
 * between screens. Screenshots in test-output/e2e/zoom-*.png.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-zoom-');

before(async () => {
  desktop = await startDesktop({ dataDir, colorScheme: 'dark', viewport: { width: 640, height: 410 }, deviceScaleFactor: 2 });
});
after(async () => {
  await desktop?.close();
});

test('at 200% zoom in the dark theme every screen fits the window width and is reachable by keyboard', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(desktop.url);
    await page.getByRole('heading', { name: 'Ask', level: 1 }).waitFor();
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(23, 25, 30)', 'the dark palette follows the system setting');
    for (const [index, screen] of screens.entries()) {
      await page.keyboard.press(`Control+${index + 1}`);
      await page.getByRole('heading', { name: screen.label, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = (await page.evaluate(`({
        document: document.documentElement.scrollWidth - window.innerWidth,
        main: document.getElementById('main').scrollWidth - document.getElementById('main').clientWidth,
      })`)) as { document: number; main: number };
      assert.ok(overflow.document <= 0 && overflow.main <= 0, `${screen.label} overflows sideways by ${JSON.stringify(overflow)}`);
      await desktop.screenshot(`zoom-${index + 1}-${screen.id}`);
    }
    await page.keyboard.press('Control+1');
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate('document.activeElement.textContent'),
      'Go to Models',
      "after a screen change, Tab goes to the screen's first control",
    );
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    assert.deepEqual(desktop.pageErrors, []);
  });
});
