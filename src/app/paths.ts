import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root (works from src/ under tsx and from dist/ once built). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `start` keeps its generated sample recordings (git-ignored). */
export const SAMPLE_DATA_DIR = join(PACKAGE_ROOT, 'data', 'sample');

/** The dashboard as Vite built it (`npm run build`; sources in dashboard/). */
export const PUBLIC_DIR = join(PACKAGE_ROOT, 'dist', 'dashboard');
