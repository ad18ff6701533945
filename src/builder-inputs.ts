// The inputs that choose and set up the builder and the emulators, with setup-buildx-action's
// and setup-qemu-action's names and meaning, and `registry-auth` (login-action's). Pure; one
// block of Settings (see inputs.ts), parsed and checked here so inputs.ts stays one list.
import { InputError } from './errors.js'
import { parseRegistryAuth, type RegistryAuthEntry } from './registry-logins.js'

export type Driver = 'auto' | 'docker' | 'docker-container'
export type QemuMode = 'auto' | 'true' | 'false'

export interface BuilderSettings {
  driver: Driver
  driverOpts: string[] // `key=value`, one `--driver-opt` each
  buildkitdFlags: string // '' = setup-buildx-action's default
  buildkitdConfigInline: string
  qemu: QemuMode
  qemuImage: string
  registryAuth: RegistryAuthEntry[] // passwords are secrets
}

/** setup-qemu-action's default image. */
export const DEFAULT_QEMU_IMAGE = 'docker.io/tonistiigi/binfmt:latest'

const fail = (message: string): never => {
  throw new InputError(message)
}

const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:@]*$/i

/** `read` returns an input's raw value ('' when unset); `builder` is the parsed `builder` input. */
export function parseBuilderInputs(
  read: (name: string) => string,
  builder: string
): BuilderSettings {
  const driver = read('driver').trim() || 'auto'
  if (!['auto', 'docker', 'docker-container'].includes(driver)) {
    fail(
      /^(kubernetes|remote|cloud)$/.test(driver)
        ? `driver: ${driver} builders are not created by this step: create it before the step (docker buildx create) and pass its name as builder`
        : `driver: "${driver}" is not valid: use auto, docker or docker-container`
    )
  }
  const driverOpts = read('driver-opts')
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
  for (const o of driverOpts) {
    if (!/^[a-z][a-z0-9._-]*=\S/i.test(o)) {
      fail(
        `driver-opts: "${o}" is not key=value: write one option per line, e.g. image=moby/buildkit:latest`
      )
    }
  }
  const buildkitdFlags = read('buildkitd-flags')
    .trim()
    .replace(/\s*\r?\n\s*/g, ' ')
  const buildkitdConfigInline = read('buildkitd-config-inline').trim()
  const configured = [
    driverOpts.length && 'driver-opts',
    buildkitdFlags && 'buildkitd-flags',
    buildkitdConfigInline && 'buildkitd-config-inline'
  ].filter(Boolean)
  if (builder && driver !== 'auto') {
    fail(
      `driver: ${driver} chooses the builder, but builder: ${builder} names one: set only one of them`
    )
  }
  if (configured.length && (builder || driver === 'docker')) {
    fail(
      `${configured[0]}: only sets up a builder this step creates, but ${builder ? `builder: ${builder} is given` : 'driver is docker'}: remove it, or ${builder ? 'remove builder' : 'set driver: docker-container'}`
    )
  }
  const qemu = read('qemu').trim().toLowerCase() || 'auto'
  if (!['auto', 'true', 'false'].includes(qemu)) {
    fail(`qemu: "${read('qemu').trim()}" is not valid: use auto, true or false`)
  }
  const qemuImage = read('qemu-image').trim() || DEFAULT_QEMU_IMAGE
  if (!IMAGE_REF.test(qemuImage)) {
    fail(`qemu-image: "${qemuImage}" is not an image reference: use e.g. ${DEFAULT_QEMU_IMAGE}`)
  }
  return {
    driver: driver as Driver,
    driverOpts,
    buildkitdFlags,
    buildkitdConfigInline,
    qemu: qemu as QemuMode,
    qemuImage,
    registryAuth: parseRegistryAuth(read('registry-auth'))
  }
}
