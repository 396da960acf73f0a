import * as path from 'node:path';

/** The repository's root folder, wherever a test file sits below test/. */
export const REPO_DIR = path.resolve(__dirname, '../..');
