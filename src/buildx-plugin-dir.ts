// The CLI plugin directory of the step's private DOCKER_CONFIG: made ours (links to the user's
// other plugins when it pointed at theirs), and the Buildx binary put into it atomically.
import { randomUUID } from 'node:crypto'
import {
  chmodSync,
  constants as fsConstants,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  type Stats
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { BUILDX_TOOL } from './buildx-release.js'
import { StepError } from './errors.js'
import * as core from './workflow-commands.js'

/**
 * Makes `<configDir>/cli-plugins` a real directory we may write into. When it is a symlink to
 * the user's plugin directory (preparePrivateConfig), it becomes a directory of links to each of
 * the user's plugins, so nothing is ever written into the user's directory.
 */
function ownPluginDir(configDir: string): string {
  const dir = join(configDir, 'cli-plugins')
  let st: Stats | undefined
  try {
    st = lstatSync(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (!st) {
    mkdirSync(dir, { recursive: true, mode: 0o755 })
    return dir
  }
  if (st.isDirectory()) return dir
  if (!st.isSymbolicLink()) {
    throw new StepError(
      'setup',
      `${dir} is not a directory: remove it (it is in the step's private docker config)`
    )
  }
  const target = resolve(dirname(dir), readlinkSync(dir))
  let names: string[] = []
  try {
    names = readdirSync(target)
  } catch {
    // a dangling link: nothing of the user's to keep
  }
  unlinkSync(dir)
  mkdirSync(dir, { mode: 0o755 })
  for (const name of names) {
    if (name === BUILDX_TOOL || name === `${BUILDX_TOOL}.exe`) continue // ours replaces it
    try {
      symlinkSync(join(target, name), join(dir, name))
    } catch (e) {
      core.warning(`could not link the CLI plugin ${name}: ${(e as Error).message}`)
    }
  }
  return dir
}

/** Puts the binary at `<configDir>/cli-plugins/docker-buildx` (a copy, mode 0755, atomically). */
export function installPlugin(configDir: string, source: string, ext = ''): string {
  const dir = ownPluginDir(configDir)
  const dest = join(dir, BUILDX_TOOL + ext)
  // The docker CLI only considers `docker-*` names, so the temporary file is never picked up;
  // rename replaces a link at dest instead of writing through it.
  const tmp = join(dir, `.${BUILDX_TOOL}-${randomUUID()}${ext}`)
  try {
    copyFileSync(source, tmp, fsConstants.COPYFILE_FICLONE)
    chmodSync(tmp, 0o755)
    renameSync(tmp, dest)
  } finally {
    rmSync(tmp, { force: true })
  }
  return dest
}
