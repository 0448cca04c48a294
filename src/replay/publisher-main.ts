/** The script the supervisor forks: one exchange's publisher process (see publisher-process.ts). */
import { publisherMain } from './publisher-process.js';

await publisherMain();
