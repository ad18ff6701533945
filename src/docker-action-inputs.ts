// Every input of the four docker actions this step replaces, and what it becomes here: the one
// table that both the input check (input-names.ts) and the README's "Moving from the docker
// actions" table are made from. Pure data.

export type DockerAction =
  | 'docker/login-action'
  | 'docker/setup-buildx-action'
  | 'docker/metadata-action'
  | 'docker/build-push-action'

/**
 * same: this step's input of that name means the same (`note`: what to know). alias: accepted
 * under the old name, as `to`. differs: this step has an input of that name with another
 * meaning. refused: the step fails, saying why and `fix`; `dflt` is the docker action's default,
 * a value that changes nothing and so passes.
 */
export type Becomes =
  | { kind: 'same'; note?: string }
  | { kind: 'alias'; to: string; note: string }
  | { kind: 'differs'; note: string }
  | { kind: 'refused'; why: string; fix: string; dflt?: string }

export interface DockerInput {
  action: DockerAction
  name: string
  becomes: Becomes
}

const same = (note?: string): Becomes => ({ kind: 'same', note })
const differs = (note: string): Becomes => ({ kind: 'differs', note })
const refused = (why: string, fix: string, dflt?: string): Becomes => ({
  kind: 'refused',
  why,
  fix,
  dflt
})
// The builder this step creates is temporary, local and its own (builder-choice.ts).
const NEW_BUILDER = 'the builder this step creates is a temporary, local docker-container one'
const OWN_BUILDER =
  'create the builder in an earlier step (docker buildx create, or setup-buildx-action) and pass its name as builder'
const CREATED = (note: string): Becomes => same(`for the builder this step creates; ${note}`)

/** One action's inputs: `[name]` is the same here, `[name, becomes]` says what it becomes. */
const inputsOf = (action: DockerAction, rows: Array<[string, Becomes?]>): DockerInput[] =>
  rows.map(([name, becomes = same()]) => ({ action, name, becomes }))

export const DOCKER_ACTION_INPUTS: readonly DockerInput[] = [
  ...inputsOf('docker/login-action', [
    ['registry', same('default ghcr.io, not Docker Hub')],
    ['username', same('default github.actor')],
    ['password', { kind: 'alias', to: 'token', note: 'set one of the two, not both' }],
    [
      'ecr',
      refused(
        'the AWS ECR login is not built in',
        'get a password with aws ecr get-login-password in an earlier step and pass it as token, with username: AWS',
        'auto'
      )
    ],
    [
      'scope',
      refused(
        'scoped login tokens are not supported',
        'drop scope: the step logs in with the token as given, in a Docker config only this step uses'
      )
    ],
    ['logout', same('at the end of this step, not of the job')],
    [
      'registry-auth',
      same(
        'several registries in one step; ghcr.io needs no entry (github.actor and the job token)'
      )
    ]
  ]),
  ...inputsOf('docker/setup-buildx-action', [
    [
      'version',
      refused(
        'the Buildx to install has another name here',
        'rename it to buildx-version (installed only when the runner has no Buildx 0.13 or newer)'
      )
    ],
    ['name', refused(`${NEW_BUILDER}, named by the step`, OWN_BUILDER)],
    [
      'driver',
      same(
        'default auto: a docker-container builder only when the current one cannot do the build (docker-container: always; docker: never)'
      )
    ],
    ['driver-opts', CREATED('e.g. image= a mirror of moby/buildkit')],
    ['buildkitd-flags', CREATED("setup-buildx-action's default")],
    [
      'buildkitd-config',
      refused('a config file is not read here', 'pass its content as buildkitd-config-inline')
    ],
    ['buildkitd-config-inline', CREATED('TOML, e.g. registry mirrors')],
    ['install', refused('the step runs docker buildx build itself', 'drop install', 'false')],
    [
      'use',
      refused(
        'the step names its builder in each command',
        'drop use (set builder to pick one)',
        'true'
      )
    ],
    ['endpoint', refused(NEW_BUILDER, OWN_BUILDER)],
    [
      'platforms',
      differs(
        "here the platforms to build (build-push-action's meaning); a builder's node platforms are detected"
      )
    ],
    ['append', refused(NEW_BUILDER, OWN_BUILDER)],
    ['keep-state', refused(`${NEW_BUILDER}, removed with its state`, 'drop keep-state', 'false')],
    [
      'cache-binary',
      refused(
        'the step keeps the Buildx it installs in the runner tool cache itself',
        'drop cache-binary',
        'true'
      )
    ],
    ['cleanup', refused('the step removes what it created when it ends', 'drop cleanup', 'true')],
    [
      'config',
      refused(
        'an old name of buildkitd-config; a config file is not read here',
        'pass its content as buildkitd-config-inline'
      )
    ],
    [
      'config-inline',
      refused('an old name of buildkitd-config-inline', 'rename it to buildkitd-config-inline')
    ]
  ]),
  ...inputsOf('docker/metadata-action', [
    [
      'context',
      differs(
        "here the build context (build-push-action's meaning); the Git facts always come from the workflow run"
      )
    ],
    ['images', same('default `<registry>/<owner>/<repo>`')],
    ['tags', same('empty = the default set')],
    ['flavor'],
    ['labels', same('a line without `=` is an error')],
    ['annotations', same('a line without `=` is an error')],
    ...(['tags', 'labels', 'annotations'] as const).map((out): [string, Becomes] => [
      `sep-${out}`,
      refused(
        `the ${out} output is always one per line here`,
        `drop sep-${out} and join the lines where another separator is needed`
      )
    ]),
    [
      'bake-target',
      refused(
        'the step writes no bake file: it builds itself',
        'drop bake-target, or keep metadata-action with docker/bake-action for bake builds'
      )
    ],
    ['github-token', same('reads the repository for the labels')]
  ]),
  ...inputsOf('docker/build-push-action', [
    ['add-hosts'],
    ['allow'],
    ['annotations', same('added to the generated keys')],
    ['attests', same('on the classic docker driver the step creates a builder that can attest')],
    ['build-args'],
    ['build-contexts'],
    ['builder'],
    ['cache-from'],
    ['cache-to'],
    [
      'call',
      refused(
        'a call (check, outline, targets) evaluates the build instead of running it, so nothing could be pushed',
        'run docker buildx build --call=check in a step of its own'
      )
    ],
    ['cgroup-parent'],
    ['context', same('a path, default `.` (never the Git context)')],
    ['file'],
    ['labels', same('added to the generated labels')],
    ['load', same('also when pushing')],
    ['network'],
    ['no-cache'],
    ['no-cache-filters'],
    [
      'outputs',
      refused(
        'the step exports to the registry only, where it verifies every tag',
        'drop outputs (load: true keeps the image in the local image store), or export in a step of its own'
      )
    ],
    ['platforms'],
    ['provenance', same('default false')],
    ['pull'],
    ['push', same('default auto: push, except from a fork')],
    ['sbom'],
    ['secrets'],
    ['secret-envs'],
    ['secret-files'],
    ['shm-size'],
    ['ssh'],
    ['tags', same('here computed from tag rules')],
    ['target'],
    ['ulimit'],
    ['github-token', differs("here metadata-action's meaning; a path context needs no Git token")]
  ])
]
