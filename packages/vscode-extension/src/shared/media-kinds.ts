/**
 * File kinds the commands accept: @lowrank/io's one table of media formats, nothing listed here.
 * (package.json's menus, pickers and custom editor are checked against the same table by a test.)
 */
export {
  isStillImagePath as isImagePath,
  isVideoPath,
  STILL_IMAGE_EXTENSIONS as IMAGE_EXTENSIONS,
  VIDEO_EXTENSIONS,
} from '@lowrank/io/formats';
