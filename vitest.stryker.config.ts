// The vitest configuration of mutation testing (stryker.config.mjs): vitest.config.ts with the
// 'node' project only. Stryker's vitest runner runs tests in worker threads, which cannot take the
// 'relaxed' project's V8 flag (its files fail to start), and the 'browser' project measures wall
// time in Chromium against the built bundle, which mutants of ts/ never reach.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const node = base.test?.projects?.find((p) => typeof p === 'object' && 'test' in p && p.test?.name === 'node');
if (!node) throw new Error('vitest.config.ts has no project named node');

export default defineConfig({ ...base, test: { ...base.test, projects: [node] } });
