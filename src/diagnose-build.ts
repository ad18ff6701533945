// The diagnosis rules for a failed build (src/diagnose.ts applies them first, in this order):
// what a Dockerfile step or a base image says, to the cause and the fix.
// Pure.
import type { Rule } from './diagnose.js'

// A build failure is looked up by its step, docker's message and report (buildx-output.ts), so
// that these rules see which instruction failed and what it printed. They come first: a RUN's
// command text may say anything.
const SOURCE_STEP = /load metadata for|resolve image config for|resolve source metadata for/

export const BUILD_RULES: Rule[] = [
  {
    says: 'dockerfile parse error / unknown instruction',
    test: /dockerfile parse error|unknown instruction:/i,
    phases: ['build'],
    diagnosis: () => ({
      cause:
        'the Dockerfile has a syntax error (a misspelt instruction, an unclosed quote or heredoc)',
      fix: 'correct the line that the message names (docker suggests the instruction it expected)'
    })
  },
  {
    says: 'failed to read dockerfile: open Dockerfile: no such file or directory',
    test: /failed to read dockerfile/i,
    phases: ['build'],
    diagnosis: () => ({
      cause: 'docker found no Dockerfile at the path it was given',
      fix: 'set `file` to the Dockerfile (a path from the workspace) or `context` to the directory that holds it; a .dockerignore that lists the Dockerfile hides it too'
    })
  },
  // in the failing step's output (docker's report): before the RUN rules, which it explains
  {
    says: 'exec format error',
    test: /exec format error/i,
    phases: ['build', 'push'],
    diagnosis: () => ({
      cause:
        'a RUN step ran a program built for another architecture, and no emulator for it is registered',
      fix: 'keep `qemu: auto` (the default; with a given `builder`, set `qemu: true`), or register QEMU emulators before this step'
    })
  },
  {
    says: '[2/3] RUN … did not complete successfully: exit code: 127',
    test: /\] RUN [\s\S]*\bexit code: 127\b/,
    phases: ['build'],
    diagnosis: () => ({
      cause:
        'the shell did not find a command that this RUN calls (exit code 127): it is not installed in the image, or not on its PATH',
      fix: 'install it in an earlier RUN, or start FROM an image that has it, or call it by its full path'
    })
  },
  {
    says: '[2/3] RUN … did not complete successfully: exit code: 1 / executor failed running',
    test: /\] RUN [\s\S]*(?:did not complete successfully|executor failed running)/,
    phases: ['build'],
    diagnosis: () => ({
      cause:
        'a command of the Dockerfile failed: the RUN instruction named above exited with an error (a problem in the build, not in the registry or the credentials)',
      fix: 'read the last lines of its output under "docker said" (all of it is in the build log above) and fix the command or the code it builds; `docker buildx build` on the same context shows the same error'
    })
  },
  {
    says: '[2/3] COPY … failed to compute cache key: "/file": not found (also ADD)',
    test: /\] (?:COPY|ADD) [\s\S]*not found/,
    phases: ['build'],
    diagnosis: () => ({
      cause: 'a file or directory that this COPY or ADD names is not in the build context',
      fix: 'paths in COPY and ADD are relative to `context` (default: the workspace): check the path, that an earlier step (actions/checkout, a build) made the file, and that .dockerignore does not exclude it'
    })
  },
  {
    says: 'load metadata for IMAGE: not found (a base image)',
    test: new RegExp(
      `(?:${SOURCE_STEP.source})[\\s\\S]*(?:: not found|manifest unknown|name unknown)`,
      'i'
    ),
    phases: ['build'],
    diagnosis: registry => ({
      cause: `a base image (FROM) is not on ${registry}: a typo in its name or tag, or a tag not pushed yet`,
      fix: 'check the FROM lines (and the build-args they use); for an image that another job pushes, make this job wait for it (`needs:`)'
    })
  },
  {
    says: 'load metadata for IMAGE: unauthorized / denied (a base image)',
    test: new RegExp(
      `(?:${SOURCE_STEP.source})[\\s\\S]*(?:unauthori[sz]ed|denied|authentication required|insufficient_scope|\\b40[13]\\b)`,
      'i'
    ),
    phases: ['build'],
    diagnosis: registry => ({
      cause: `${registry} did not let the build read a base image (FROM): it is private, and the build reads with this step's private Docker config, which holds only the login to \`registry\``,
      fix: 'make the base image public, or keep it on `registry` and give this token read access to it (for GHCR: package settings → Manage Actions access → add this repository)'
    })
  },
  {
    says: 'load metadata for IMAGE / resolve image config: any other failure (a base image)',
    test: SOURCE_STEP,
    phases: ['build'],
    diagnosis: registry => ({
      cause: `the build could not read an image from ${registry}: a base image (FROM), the \`# syntax=\` frontend or the SBOM scanner`,
      fix: 'check the image name and its host; a runner without internet access needs these images on a registry it can reach (or a registry mirror in the daemon); after a registry hiccup, re-run the job'
    })
  }
]
