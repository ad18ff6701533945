// The version probes every run of the step makes (`docker buildx version`, and `docker version`
// when buildx is absent), answered as a Docker with a current Buildx would.
import type { RunResult } from '../../src/exec.js'

export function versionProbe(args: string[]): RunResult | undefined {
  if (args[0] === 'version') return { code: 0, stdout: '28.2.2\n', stderr: '' }
  if (args[0] === 'buildx' && args[1] === 'version') {
    return { code: 0, stdout: 'github.com/docker/buildx v0.20.0 abcdef\n', stderr: '' }
  }
  return undefined
}
