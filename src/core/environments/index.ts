/** The repository's environments and each one's app spec (see config.ts and overlay.ts). */
export {
  appNameFor,
  branchFor,
  defaultEnvironments,
  ENVIRONMENTS_FILE,
  EnvironmentError,
  loadEnvironments,
  parseEnvironments,
  previewEnvironment,
  previewOf,
  resolveEnvironment,
  type EnvironmentDef,
  type Environments,
} from './config';
export { overlayPathFor, PREVIEW_INSTANCE_SIZE, specForEnvironment, type OverlayPath } from './overlay';
